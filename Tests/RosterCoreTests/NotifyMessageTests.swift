import Testing
import RosterCore

/// The receiving side of systemd's notify protocol: newline-separated `KEY=VALUE` datagrams.
@Suite struct NotifyMessageTests {
    private func parse(_ text: String) throws -> NotifyMessage {
        try NotifyMessage.parse(Array(text.utf8))
    }

    @Test("READY=1 alone sets only ready")
    func readyAlone() throws {
        var expected = NotifyMessage()
        expected.ready = true
        #expect(try parse("READY=1") == expected)
    }

    @Test("Every key systemd defines is read from one datagram")
    func everyKey() throws {
        let message = try parse("""
            READY=1
            RELOADING=1
            STOPPING=1
            WATCHDOG=1
            STATUS=serving 3 clients
            ERRNO=2
            MAINPID=4242
            WATCHDOG_USEC=5000000
            EXTEND_TIMEOUT_USEC=3000000
            MONOTONIC_USEC=123456789
            BARRIER=1
            """)
        #expect(message.ready)
        #expect(message.reloading)
        #expect(message.stopping)
        #expect(message.watchdogPing)
        #expect(!message.watchdogTrigger)
        #expect(message.status == "serving 3 clients")
        #expect(message.errno == 2)
        #expect(message.mainPID == 4242)
        #expect(message.watchdogUsec == 5_000_000)
        #expect(message.extendTimeoutUsec == 3_000_000)
        #expect(message.monotonicUsec == 123_456_789)
        #expect(message.barrier)
    }

    @Test("WATCHDOG=trigger asks for a watchdog failure, not a ping")
    func watchdogTrigger() throws {
        let message = try parse("WATCHDOG=trigger")
        #expect(message.watchdogTrigger)
        #expect(!message.watchdogPing)
    }

    @Test("A flag with a value other than 1 is not set", arguments: ["READY=0", "READY=yes", "READY=", "READY"])
    func flagsNeedOne(text: String) throws {
        #expect(try parse(text) == NotifyMessage())
    }

    @Test("STATUS keeps everything after the first equals sign, including more equals signs")
    func statusKeepsEquals() throws {
        #expect(try parse("STATUS=a=b, c=d").status == "a=b, c=d")
    }

    @Test("An empty STATUS= clears the text rather than being absent")
    func emptyStatus() throws {
        #expect(try parse("STATUS=").status == "")
    }

    @Test("Unknown keys and lines without an equals sign are ignored")
    func unknownKeysAreIgnored() throws {
        var expected = NotifyMessage()
        expected.ready = true
        #expect(try parse("FDSTORE=1\nnonsense\nX_CUSTOM=7\nREADY=1\n\n") == expected)
    }

    @Test("Keys are case-sensitive, as in systemd")
    func keysAreCaseSensitive() throws {
        #expect(try parse("ready=1") == NotifyMessage())
    }

    @Test("MAINPID must be a positive number", arguments: ["MAINPID=0", "MAINPID=-5", "MAINPID=abc", "MAINPID="])
    func invalidMainPIDIsIgnored(text: String) throws {
        #expect(try parse(text).mainPID == nil)
    }

    @Test("WATCHDOG_USEC must be positive", arguments: ["WATCHDOG_USEC=0", "WATCHDOG_USEC=-1", "WATCHDOG_USEC=5s"])
    func invalidWatchdogUsecIsIgnored(text: String) throws {
        #expect(try parse(text).watchdogUsec == nil)
    }

    @Test("EXTEND_TIMEOUT_USEC may be zero but not negative")
    func extendTimeoutRange() throws {
        #expect(try parse("EXTEND_TIMEOUT_USEC=0").extendTimeoutUsec == 0)
        #expect(try parse("EXTEND_TIMEOUT_USEC=-1").extendTimeoutUsec == nil)
    }

    @Test("A datagram of exactly 4096 bytes is accepted")
    func maxSizeIsAccepted() throws {
        let text = "STATUS=" + String(repeating: "x", count: NotifyMessage.maxSize - 7)
        #expect(text.utf8.count == 4096)
        #expect(try parse(text).status?.count == 4089)
    }

    @Test("A datagram over 4096 bytes is refused whole")
    func oversizedIsRefused() {
        let text = "READY=1\nSTATUS=" + String(repeating: "x", count: NotifyMessage.maxSize)
        #expect(throws: NotifyMessage.ParseError.tooLong(text.utf8.count)) { try parse(text) }
    }

    @Test("A datagram containing a NUL byte is refused whole")
    func nulIsRefused() {
        let bytes = Array("READY=1\n".utf8) + [0] + Array("STATUS=x".utf8)
        #expect(throws: NotifyMessage.ParseError.containsNUL) { try NotifyMessage.parse(bytes) }
    }

    @Test("A datagram that is not UTF-8 is refused whole")
    func invalidUTF8IsRefused() {
        let bytes = Array("READY=1\nSTATUS=".utf8) + [0xC3, 0x28]
        #expect(throws: NotifyMessage.ParseError.notUTF8) { try NotifyMessage.parse(bytes) }
    }

    @Test("An empty datagram is a message with nothing set")
    func emptyDatagram() throws {
        #expect(try NotifyMessage.parse([UInt8]()) == NotifyMessage())
    }

    @Test("BARRIER=1 alone is a barrier-only message; with READY=1 it is not")
    func barrierOnly() throws {
        #expect(try parse("BARRIER=1").isBarrierOnly)
        #expect(try !parse("BARRIER=1\nREADY=1").isBarrierOnly)
        #expect(try !parse("READY=1").isBarrierOnly)
    }
}
