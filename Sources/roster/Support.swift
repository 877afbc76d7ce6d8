import ArgumentParser
import Roster
import RosterCore
import RosterSystem
import Glibc

/// Helpers shared by the commands.
enum CLI {
    /// Prints to stderr.
    static func error(_ text: String) { writeAll(2, text + "\n") }

    /// Prints to stdout.
    static func say(_ text: String) { writeAll(1, text + "\n") }

    /// Loads and validates the stack and who its roles run as; prints every diagnostic; exits 2 on errors.
    static func loadStack(_ path: String) throws -> (stack: Stack, accounts: RoleAccounts) {
        let loaded = StackLoader.load(path)
        for warning in loaded.diagnostics.warnings { error("warning: \(warning)") }
        for problem in loaded.diagnostics.errors { error(problem.description) }
        guard let stack = loaded.stack else {
            let count = loaded.diagnostics.errors.count
            error("\(count) error\(count == 1 ? "" : "s"); nothing was started")
            throw ExitCode(2)
        }
        return (stack, loaded.accounts)
    }

    /// The control socket of the stack in `path`, read from the stack file alone (no plugin lookup).
    static func controlPath(_ path: String) throws -> String {
        guard let text = Files.read(path) else {
            error("\(path): cannot read the stack file (does it exist?)")
            throw ExitCode(2)
        }
        let (file, diagnostics) = StackFile.parse(text, path: path)
        guard let file else {
            for problem in diagnostics.errors { error(problem.description) }
            throw ExitCode(2)
        }
        let directory = Files.parent(of: Files.absolute(path))
        return Files.absolute(file.stateDir, relativeTo: directory) + "/control.sock"
    }

    /// Sends one command to the running supervisor and returns its decoded reply.
    static func send(_ command: String, stackFile: String) throws -> ControlReply {
        let path = try controlPath(stackFile)
        guard ControlClient.isAlive(path: path) else {
            error("no supervisor is running for \(stackFile) (start one with `roster up -f \(stackFile)`)")
            throw ExitCode(1)
        }
        do {
            let line = try ControlClient.request(path: path, command)
            return try ControlReply.decode(line)
        } catch let failure as SystemError {
            error("roster: \(failure)")
            throw ExitCode(1)
        }
    }

    /// Prints a reply's message and exits with its code.
    static func finish(_ reply: ControlReply) throws {
        if !reply.message.isEmpty {
            if reply.exit == 0 { say(reply.message) } else { error(reply.message) }
        }
        if reply.exit != 0 { throw ExitCode(reply.exit) }
    }
}
