import Glibc
import RosterKit
import RosterSystem
import Testing

extension RosterKitTests {
    /// `Notify.render` for every field, and `Notify.send` through libsystemd to RosterSystem's receiver.
    /// The send and watchdog tests change NOTIFY_SOCKET and WATCHDOG_USEC and put them back.
    @Suite(.serialized) struct NotifyTests {
        @Test("Each simple field renders as its KEY=VALUE line")
        func simpleFields() {
            let expected: [(Notify.Field, String)] = [
                (.ready, "READY=1"), (.stopping, "STOPPING=1"), (.status("serving"), "STATUS=serving"),
                (.errno(5), "ERRNO=5"), (.mainPID(4242), "MAINPID=4242"), (.watchdog, "WATCHDOG=1"),
                (.watchdogTrigger, "WATCHDOG=trigger"),
            ]
            for (field, line) in expected {
                #expect(Notify.render([field], monotonicMicroseconds: 7) == line)
            }
        }

        @Test("RELOADING=1 carries MONOTONIC_USEC with the clock reading")
        func reloadingCarriesMonotonicTime() {
            #expect(Notify.render([.reloading], monotonicMicroseconds: 123_456_789) == "RELOADING=1\nMONOTONIC_USEC=123456789")
        }

        @Test("Newlines in a STATUS text are flattened to spaces, so the text stays one field")
        func statusNewlinesAreFlattened() {
            #expect(Notify.render([.status("line one\nline two\r\nthree")], monotonicMicroseconds: 0)
                == "STATUS=line one line two three")
        }

        @Test("EXTEND_TIMEOUT_USEC is the duration in microseconds")
        func extendTimeoutInMicroseconds() {
            #expect(Notify.render([.extendTimeout(.seconds(90))], monotonicMicroseconds: 0) == "EXTEND_TIMEOUT_USEC=90000000")
            #expect(Notify.render([.extendTimeout(.milliseconds(1500))], monotonicMicroseconds: 0) == "EXTEND_TIMEOUT_USEC=1500000")
            #expect(Notify.render([.extendTimeout(.microseconds(7))], monotonicMicroseconds: 0) == "EXTEND_TIMEOUT_USEC=7")
        }

        @Test("Several fields go in one datagram, one line each, in the order given")
        func fieldsAreJoinedInOrder() {
            #expect(Notify.render([.ready, .status("x"), .mainPID(9)], monotonicMicroseconds: 0) == "READY=1\nSTATUS=x\nMAINPID=9")
        }

        @Test("send delivers one datagram to NOTIFY_SOCKET, and the kernel credits it to this process")
        func sendReachesTheSocketWithOurCredentials() throws {
            let socket = try NotifySocket(address: "@roster-kit-test-\(UInt64.random(in: 0...UInt64.max))")
            let received: [NotifySocket.Received] = try withEnvironment(["NOTIFY_SOCKET": socket.address]) {
                #expect(Notify.send(.ready, .status("x")))
                try #require(waitReadable(socket.fd, within: .seconds(5)), "no datagram within 5 s")
                var all: [NotifySocket.Received] = []
                while let received = socket.receive() { all.append(received) }
                return all
            }
            try #require(received.count == 1)
            guard case .message(let bytes, let pid, let uid) = received[0] else {
                Issue.record("dropped: \(received[0])")
                return
            }
            #expect(String(decoding: bytes, as: UTF8.self) == "READY=1\nSTATUS=x")
            #expect(pid == getpid())
            #expect(uid == getuid())
        }

        @Test("Without NOTIFY_SOCKET, send reports that no supervisor received the message")
        func sendWithoutSocketReturnsFalse() {
            withEnvironment(["NOTIFY_SOCKET": nil]) {
                #expect(!Notify.send(.ready))
            }
        }

        @Test("WATCHDOG_USEC=2000000 is a watchdog interval of two seconds")
        func watchdogIntervalFromEnvironment() {
            withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": nil]) {
                #expect(Notify.watchdogInterval() == .seconds(2))
            }
        }

        @Test("Without WATCHDOG_USEC there is no watchdog interval")
        func noWatchdogWithoutEnvironment() {
            withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
                #expect(Notify.watchdogInterval() == nil)
            }
        }
    }
}
