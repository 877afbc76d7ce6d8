import Testing
import RosterCore

/// Stack-file durations (`0`, `250ms`, `10s`, `1m`; units us ms s m h) and the monotonic `Instant`.
@Suite struct DurationTests {
    @Test("A bare number is seconds", arguments: [("0", Duration.zero), ("5", .seconds(5)), ("0.5", .milliseconds(500))])
    func bareNumberIsSeconds(text: String, expected: Duration) {
        #expect(Duration.parse(text) == expected)
    }

    @Test("A number with one unit of us ms s m h is that many units", arguments: [
        ("100us", Duration.microseconds(100)), ("250ms", .milliseconds(250)), ("10s", .seconds(10)),
        ("1m", .seconds(60)), ("2h", .seconds(7200)), ("1.5s", .milliseconds(1500)),
    ])
    func numberWithUnit(text: String, expected: Duration) {
        #expect(Duration.parse(text) == expected)
    }

    @Test("Whitespace around a duration is ignored")
    func surroundingWhitespaceIsIgnored() {
        #expect(Duration.parse("  10s\t") == .seconds(10))
    }

    @Test("Malformed, negative or unit-less-but-lettered text is not a duration", arguments: [
        "10x", "-1", "-5s", "", "   ", "s", "ms", "1.2.3s", ".5", "5.", "1e3", "10 s", "ms10", "10S", "ten", "1m30s",
        "NaN", "inf",
    ])
    func malformedTextIsRejected(text: String) {
        #expect(Duration.parse(text) == nil)
    }

    @Test("A duration too large for 64-bit nanoseconds is rejected")
    func overflowingDurationIsRejected() {
        #expect(Duration.parse("9999999999h") == nil)
    }

    @Test("The short description uses the largest unit that divides the duration exactly", arguments: [
        (Duration.zero, "0"), (.milliseconds(250), "250ms"), (.seconds(10), "10s"), (.seconds(120), "2m"),
        (.seconds(90), "90s"), (.microseconds(5), "5us"), (.nanoseconds(7), "7ns"),
    ])
    func shortDescription(duration: Duration, expected: String) {
        #expect(duration.shortDescription == expected)
    }

    @Test("A parsed duration's short description reads back as the same duration", arguments: ["250ms", "10s", "1m", "100us"])
    func shortDescriptionRoundTrips(text: String) throws {
        let duration = try #require(Duration.parse(text))
        #expect(Duration.parse(duration.shortDescription) == duration)
    }

    @Test("Nanoseconds and microseconds are whole counts of the duration")
    func wholeCounts() {
        #expect(Duration.milliseconds(1500).nanoseconds == 1_500_000_000)
        #expect(Duration.milliseconds(1500).microseconds == 1_500_000)
        #expect(Duration.seconds(2).seconds == 2.0)
    }

    @Test("Nanoseconds saturate instead of trapping for durations beyond 292 years")
    func nanosecondsSaturate() {
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
    }

    @Test("An instant plus a duration minus the instant is the duration")
    func instantArithmetic() {
        let origin = Instant(nanoseconds: 1_000)
        let later = origin + .milliseconds(250)
        #expect(later.nanoseconds == 250_001_000)
        #expect(later - origin == .milliseconds(250))
        #expect(origin - later == .milliseconds(-250))
    }

    @Test("Instants order by their nanoseconds")
    func instantsAreOrdered() {
        let a = Instant(nanoseconds: 5), b = Instant(nanoseconds: 6)
        #expect(a < b)
        #expect(max(a, b) == b)
        #expect(!(b < a))
    }
}
