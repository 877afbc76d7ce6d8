import Foundation
import Glibc
import RosterKit
import RosterSystem
import Testing

extension RosterKitTests {
    /// Readiness and health probes against real sockets, a real HTTP server and real commands.
    @Suite struct ProbeTests {
        @Test("A TCP probe passes against a listening socket")
        func tcpPassesWhenListening() throws {
            let listener = try TCPSocket(listening: true)
            #expect(Probe.tcp(host: "127.0.0.1", port: listener.port).check())
        }

        @Test("A TCP probe of a port where nothing listens fails at once, not at its timeout")
        func tcpFailsFastOnClosedPort() throws {
            let bound = try TCPSocket(listening: false) // holds the port, so nobody else listens on it
            var passed = true
            let elapsed = ContinuousClock().measure {
                passed = Probe.tcp(host: "127.0.0.1", port: bound.port).check(timeout: .seconds(5))
            }
            #expect(!passed)
            #expect(elapsed < .seconds(1))
        }

        @Test("An HTTP probe passes when the server answers 200")
        func httpPassesOn200() throws {
            let server = try PythonHTTPServer()
            defer { server.stop() }
            #expect(Probe.http(host: PythonHTTPServer.host, port: server.port, path: "/").check())
        }

        @Test("An HTTP probe passes on a 404: the server answers, so it serves")
        func httpPassesOn404() throws {
            let server = try PythonHTTPServer()
            defer { server.stop() }
            #expect(Probe.http(host: PythonHTTPServer.host, port: server.port, path: "/no/such/page").check())
        }

        @Test("An HTTP probe fails on a 5xx answer")
        func httpFailsOn503() throws {
            let listener = try TCPSocket(listening: true)
            let fd = listener.fd
            let responder = Thread {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                defer { close(client) }
                var request = [UInt8](repeating: 0, count: 1024)
                guard waitReadable(client, within: .seconds(10)), read(client, &request, request.count) > 0 else { return }
                writeAll(client, "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            }
            responder.start()
            #expect(!Probe.http(host: "127.0.0.1", port: listener.port, path: "/").check(timeout: .seconds(10)))
        }

        @Test("A command probe passes when the command exits 0")
        func commandPassesOnSuccess() {
            #expect(Probe.command(["true"]).check())
        }

        @Test("A command probe fails when the command exits non-zero")
        func commandFailsOnFailure() {
            #expect(!Probe.command(["false"]).check())
        }
    }
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks; listening or merely bound (so that
/// the port is certainly closed).
final class TCPSocket {
    let fd: Int32
    let port: Int

    init(listening: Bool) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound, !listening || listen(fd, 16) == 0 else {
            let error = SystemError("bind 127.0.0.1:0")
            close(fd)
            throw error
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

/// `python3 -m http.server` on 127.66.0.1 and a port the kernel picks, serving an empty directory.
/// Ready once it prints its "Serving HTTP on … port N" line; killed by its pid in `stop()`.
final class PythonHTTPServer {
    static let host = "127.66.0.1"
    let port: Int
    private let process = Process()
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", Self.host, "--directory", directory.path]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read until the line that says it serves (and which port), with a deadline.
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = ContinuousClock.now + .seconds(10)
        var text = ""
        var port: Int?
        while port == nil {
            guard waitReadable(fd, within: deadline - .now) else { break }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            text += String(decoding: chunk[0..<n], as: UTF8.self)
            if let match = text.firstMatch(of: /Serving HTTP on \S+ port (\d+)/) { port = Int(match.1) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServerDidNotStart(output: text)
        }
        self.port = port
    }

    /// Kills the server by its pid and reaps it.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var output: String
        var description: String { "python3 -m http.server did not say it serves within 10 s: \(output)" }
    }
}
