import Glibc
import RosterSystem

/// A check that a daemon serves: used for readiness (daemons that cannot say `READY=1` themselves)
/// and for the watchdog (so that a hung daemon is caught, not only a dead one).
public enum Probe: Sendable, CustomStringConvertible {
    /// A TCP connection is accepted.
    case tcp(host: String, port: Int)
    /// `GET path` answers with a status below 500.
    case http(host: String, port: Int, path: String)
    /// The command exits with status 0.
    case command([String])
    /// A check of the plugin's own (named for logs); it must respect the timeout by itself.
    case custom(String, @Sendable () -> Bool)

    /// Runs the check once, giving up after `timeout`.
    public func check(timeout: Duration = .seconds(2)) -> Bool {
        switch self {
        case .tcp(let host, let port):
            guard let fd = Self.connect(host: host, port: port, timeout: timeout) else { return false }
            close(fd)
            return true
        case .http(let host, let port, let path):
            return Self.httpStatus(host: host, port: port, path: path, timeout: timeout).map { $0 < 500 } ?? false
        case .command(let arguments):
            return (try? Command.run(arguments, timeout: timeout).status) == 0
        case .custom(_, let check):
            return check()
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return "tcp \(host):\(port)"
        case .http(let host, let port, let path): return "http://\(host):\(port)\(path)"
        case .command(let arguments): return arguments.joined(separator: " ")
        case .custom(let name, _): return name
        }
    }

    /// The instance's own address (`ROSTER_ADDRESS`), if any.
    static let ownAddress: String? = PluginEnvironment.current()["ROSTER_ADDRESS"]

    /// A connected TCP socket to an IPv4 `host:port`, or nil.
    static func connect(host: String, port: Int, timeout: Duration) -> Int32? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        // From the instance's own address when it probes itself: firewall rules see who it is.
        if host == ownAddress, let own = ownAddress {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            if inet_pton(AF_INET, own, &local.sin_addr) == 1 {
                _ = withUnsafePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS, wait(fd, for: Int16(POLLOUT), timeout: timeout) else { close(fd); return nil }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { close(fd); return nil }
        }
        return fd
    }

    /// The body of `GET path` over HTTP/1.0 when the status is 200, or nil.
    public static func httpBody(host: String, port: Int, path: String, timeout: Duration = .seconds(1)) -> String? {
        guard let fd = connect(host: host, port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        guard writeAll(fd, "GET \(path) HTTP/1.0\r\nHost: \(host)\r\nUser-Agent: roster-probe\r\n\r\n") else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while response.count < 65_536 {
            guard wait(fd, for: Int16(POLLIN), timeout: timeout) else { return nil }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"), let split = text.firstRange(of: "\r\n\r\n") else { return nil }
        return String(text[split.upperBound...])
    }

    /// The status code of `GET path` over HTTP/1.0, or nil.
    static func httpStatus(host: String, port: Int, path: String, timeout: Duration) -> Int? {
        guard let fd = connect(host: host, port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.0\r\nHost: \(host)\r\nUser-Agent: roster-probe\r\n\r\n"
        guard writeAll(fd, request) else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while !response.contains(10) {
            guard wait(fd, for: Int16(POLLIN), timeout: timeout) else { return nil }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let line = String(decoding: response.prefix { $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { return nil }
        return Int(parts[1])
    }

    static func wait(_ fd: Int32, for events: Int16, timeout: Duration) -> Bool {
        var poller = pollfd(fd: fd, events: events, revents: 0)
        let (seconds, attoseconds) = timeout.components
        let ms = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return poll(&poller, 1, ms) == 1 && poller.revents & events != 0
    }
}
