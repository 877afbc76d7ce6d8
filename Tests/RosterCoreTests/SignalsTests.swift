import Testing
import RosterCore

/// Signal names as `stop-signal` and `reload-signal` accept them.
@Suite struct SignalsTests {
    @Test("A signal may be named with or without SIG, in any case, or by number", arguments: [
        ("SIGTERM", Int32(15)), ("TERM", 15), ("term", 15), ("SigHup", 1), ("SIGQUIT", 3), ("USR2", 12),
        ("SIGKILL", 9), ("15", 15), ("64", 64),
    ])
    func namesAndNumbers(text: String, expected: Int32) {
        #expect(Signals.parse(text) == expected)
    }

    @Test("Unknown names and out-of-range numbers are not signals", arguments: ["SIGFOO", "", "0", "65", "-15", "SIG", "15s"])
    func unknownSignalsAreRejected(text: String) {
        #expect(Signals.parse(text) == nil)
    }

    @Test("A signal number is shown by its SIG name, or SIG and the number when it has none")
    func names() {
        #expect(Signals.name(15) == "SIGTERM")
        #expect(Signals.name(6) == "SIGABRT")
        #expect(Signals.name(42) == "SIG42")
    }
}
