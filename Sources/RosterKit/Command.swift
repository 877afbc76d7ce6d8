import Glibc
import RosterSystem

/// Runs a short command to completion (a daemon's check mode, a client, a probe) and captures its
/// output. The child dies with the plugin (PDEATHSIG) and is killed at the timeout.
public enum Command {
    /// How a command ended.
    public struct Result: Sendable {
        /// Exit status; 128+N when killed by signal N.
        public var status: Int32
        /// stdout and stderr, interleaved.
        public var output: String
    }

    /// Runs `arguments` (the first is looked up on PATH) with `environment` (nil: inherit).
    public static func run(_ arguments: [String], environment: [String]? = nil, directory: String? = nil,
                           timeout: Duration = .seconds(30)) throws(PluginError) -> Result {
        guard let name = arguments.first else { throw .permanent("empty command") }
        guard let path = resolve(name) else { throw .permanent("\(name): command not found on PATH") }
        let pipe: (read: Int32, write: Int32)
        do { pipe = try Pipe.make(name) } catch { throw .temporary("\(error)") }
        defer { close(pipe.read) }
        var request = Spawner.Request(path: path, arguments: arguments, environment: environment ?? Spawner.inheritedEnvironment(),
                                      directory: directory ?? Files.currentDirectory(), output: pipe.write)
        request.group = .inherit
        let pid: Int32
        do {
            pid = try Spawner.spawn(request)
        } catch {
            close(pipe.write)
            throw .temporary("\(error)")
        }
        close(pipe.write)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        let deadline = Clocks.monotonicNanoseconds() + timeout.components.seconds * 1_000_000_000
            + timeout.components.attoseconds / 1_000_000_000
        var killed = false
        while true {
            let remaining = deadline - Clocks.monotonicNanoseconds()
            if remaining <= 0 && !killed {
                kill(pid, SIGKILL)
                killed = true
            }
            var poller = pollfd(fd: pipe.read, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, killed ? 1000 : Int32(max(1, remaining / 1_000_000)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { if killed { break } else { continue } }
            let n = read(pipe.read, &chunk, chunk.count)
            if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        let status: Int32
        switch Reaper.decode(raw) {
        case .exited(let code): status = code
        case .signaled(let signal, _): status = 128 + signal
        }
        return Result(status: status, output: String(decoding: output, as: UTF8.self))
    }

    /// The absolute path of an executable: as given when it has a `/`, else the first on PATH.
    public static func resolve(_ name: String) -> String? {
        if name.contains("/") { return Files.isExecutableFile(name) ? name : nil }
        let path = PluginEnvironment.current()["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        // Strings, not the Substrings split gives: mixed with the literals they were inferred as
        // character arrays, and interpolated as "["/", "u", …]/name".
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return directories.map { "\($0)/\(name)" }.first(where: Files.isExecutableFile)
    }
}
