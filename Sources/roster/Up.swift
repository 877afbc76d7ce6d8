import ArgumentParser
import Roster
import RosterCore
import RosterSystem
import Glibc

/// `roster up`: run the supervisor.
struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start every role in dependency order and supervise the stack (foreground by default).")

    @OptionGroup var stackOption: StackOption

    @Flag(help: "Return once the supervisor listens on its control socket; it keeps running in the background.")
    var detach = false

    @Flag(help: .hidden)
    var announceReady = false

    @Option(help: "Run the whole stack inside this network namespace (created if missing, and then removed when the stack stops), so that firewall rules never touch the host's.")
    var netns: String?

    func run() throws {
        let (stack, accounts) = try CLI.loadStack(stackOption.file)
        if let netns, Spawner.inheritedVariables()["ROSTER_NETNS"] != netns { try enter(netns) }
        if detach { try runDetached(stack) }
        let supervisor: Supervisor
        do {
            supervisor = try Supervisor(stack: stack, accounts: accounts, options: .init(
                foreground: !announceReady, readyLine: announceReady ? "ready \(getpid())" : nil))
            let code = try supervisor.run()
            if code != 0 { throw ExitCode(code) }
        } catch let error as SystemError {
            CLI.error("roster: \(error)")
            throw ExitCode(1)
        }
    }

    /// Re-executes this command inside network namespace `name`, creating it (with lo up) if needed.
    private func enter(_ name: String) throws -> Never {
        guard !name.isEmpty, name.count <= 32, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            CLI.error("--netns \"\(name)\": use letters, digits, - and _ (at most 32)")
            throw ExitCode(2)
        }
        if !Files.exists("/run/netns/\(name)") {
            guard system("ip netns add \(name) && ip -n \(name) link set lo up") == 0 else {
                CLI.error("roster: cannot create network namespace \(name) (needs root and iproute2)")
                throw ExitCode(1)
            }
            setenv("ROSTER_NETNS_CREATED", "1", 1)
        }
        setenv("ROSTER_NETNS", name, 1)
        let arguments = ["ip", "netns", "exec", name, Files.currentExecutable(), "up", "-f", Files.absolute(stackOption.file)]
            + (detach ? ["--detach"] : [])
        let argv = arguments.map { strdup($0) } + [nil]
        execvp("ip", argv)
        CLI.error("roster: cannot run ip netns exec: \(String(cString: strerror(errno)))")
        throw ExitCode(1)
    }

    /// Starts a copy of this command in a new session and waits for its "ready" line.
    private func runDetached(_ stack: Stack) throws -> Never {
        let control = stack.stateDir + "/control.sock"
        if ControlClient.isAlive(path: control) {
            CLI.error("a supervisor is already running for \(stackOption.file) (\(control))")
            throw ExitCode(1)
        }
        let pipe = try Pipe.make("roster up --detach")
        let executable = Files.currentExecutable()
        var request = Spawner.Request(
            path: executable, arguments: [executable, "up", "-f", Files.absolute(stackOption.file), "--announce-ready"],
            environment: Spawner.inheritedEnvironment(), directory: Files.currentDirectory(), output: pipe.write)
        request.parentDeathSignal = 0
        request.group = .session
        let pid: Int32
        do {
            pid = try Spawner.spawn(request)
        } catch {
            CLI.error("roster: \(error)")
            throw ExitCode(1)
        }
        close(pipe.write)
        let flags = fcntl(pipe.read, F_GETFL)
        _ = fcntl(pipe.read, F_SETFL, flags & ~O_NONBLOCK)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(pipe.read, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            collected += chunk[0..<n]
            if let text = String(validating: collected, as: UTF8.self), text.contains("ready \(pid)\n") { break }
        }
        let text = String(decoding: collected, as: UTF8.self)
        if text.contains("ready \(pid)\n") {
            CLI.say("roster: stack \(stack.name) is starting under supervisor pid \(pid); see `roster status -f \(stackOption.file)`")
            Glibc.exit(0)
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        CLI.error(text.isEmpty ? "roster: the supervisor exited before it was ready" : text)
        Glibc.exit(1)
    }
}

/// `roster down`: stop a running supervisor and its stack.
struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop the stack (dependents first) and its supervisor.")

    @OptionGroup var stackOption: StackOption

    func run() throws {
        try CLI.finish(try CLI.send("down", stackFile: stackOption.file))
    }
}

/// `roster validate`: check configuration without starting anything.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the stack file and every manifest; print every error with file:line.")

    @OptionGroup var stackOption: StackOption

    func run() throws {
        let (stack, accounts) = try CLI.loadStack(stackOption.file)
        let count = stack.roles.reduce(0) { $0 + $1.instances }
        CLI.say("\(stackOption.file): ok (stack \(stack.name): \(stack.roles.count) roles, \(count) instances; start order \(stack.graph.startOrder().joined(separator: " → ")))")
        let me = Account.current()?.name ?? String(geteuid())
        var users: [(user: String, roles: [String])] = []
        for role in stack.roles {
            let user = accounts.byRole[role.name]?.name ?? me
            if let index = users.firstIndex(where: { $0.user == user }) { users[index].roles.append(role.name) } else { users.append((user, [role.name])) }
        }
        CLI.say("roles run as " + users.map { "\($0.user) (\($0.roles.joined(separator: ", ")))" }.joined(separator: ", "))
    }
}

/// `roster plugins`: list the role plugins found.
struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the role plugins found on the search path.")

    @OptionGroup var stackOption: StackOption

    func run() throws {
        let directory = Files.parent(of: Files.absolute(stackOption.file))
        let catalog = PluginCatalog(stackDirectory: directory)
        let environment = Spawner.inheritedVariables()
        var rows: [[String]] = [["NAME", "EXECUTABLE", "MANIFEST"]]
        var seen = Set<String>()
        for entry in catalog.all {
            let shadowed = !seen.insert(entry.name).inserted
            var executable = "?"
            if let text = Files.read(entry.manifestPath) {
                let (manifest, diagnostics) = Manifest.parse(text, path: entry.manifestPath, directoryName: entry.name)
                if let manifest, diagnostics.errors.isEmpty {
                    switch PluginCatalog.locate(manifest, environment: environment) {
                    case .success(let path): executable = path
                    case .failure(let error): executable = "(\(error.reason))"
                    }
                } else {
                    executable = "(invalid manifest: \(diagnostics.errors.first?.message ?? "?"))"
                }
            }
            rows.append([entry.name + (shadowed ? " (shadowed)" : ""), executable, entry.manifestPath])
        }
        CLI.say(Table.render(rows))
        CLI.say("searched: \(catalog.searchPath.joined(separator: ":"))")
    }
}
