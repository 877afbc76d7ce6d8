import ArgumentParser
import RosterSystem

/// `roster status`.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every instance: state, pid, uptime, restarts, address:ports, last STATUS=.")

    @OptionGroup var stackOption: StackOption

    @Flag(help: "Print the JSON document (for scripts).")
    var json = false

    func run() throws {
        let path = try CLI.controlPath(stackOption.file)
        guard ControlClient.isAlive(path: path) else {
            CLI.error("no supervisor is running for \(stackOption.file)")
            throw ExitCode(1)
        }
        let line: String
        do {
            line = try ControlClient.request(path: path, "status")
        } catch {
            CLI.error("roster: \(error)")
            throw ExitCode(1)
        }
        if json {
            // The reply is {"exit":0,"message":"","data":DOCUMENT}; print DOCUMENT as the supervisor wrote it.
            guard let start = line.firstRange(of: "\"data\":")?.upperBound else { throw ExitCode(1) }
            CLI.say(String(line[start...].dropLast()))
            return
        }
        let reply = try ControlReply.decode(line)
        guard let document = reply.data else { throw ExitCode(1) }
        var rows: [[String]] = [["INSTANCE", "STATE", "PID", "UPTIME", "RESTARTS", "ADDRESS", "STATUS"]]
        let ordered = document.roles.values.flatMap(\.instances).sorted { ($0.role, $0.index) < ($1.role, $1.index) }
        for instance in ordered {
            let ports = instance.ports.sorted { $0.key < $1.key }.map { "\($0.value)" }.joined(separator: ",")
            rows.append([
                instance.id, instance.state, instance.pid.map(String.init) ?? "-",
                instance.uptime.map(Self.uptime) ?? "-", String(instance.restarts),
                instance.address + (ports.isEmpty ? "" : ":" + ports), instance.status ?? "",
            ])
        }
        CLI.say("stack \(document.stack) (generation \(document.generation))")
        CLI.say(Table.render(rows))
    }

    static func uptime(_ seconds: Double) -> String {
        let whole = Int(seconds)
        if whole < 60 { return String(format1(seconds)) + "s" }
        if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
        if whole < 86_400 { return "\(whole / 3600)h\(whole % 3600 / 60)m" }
        return "\(whole / 86_400)d\(whole % 86_400 / 3600)h"
    }

    static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// `roster start ROLE[/N]`.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a role or one instance; waits until ready or failed. Clears failed.")
    @OptionGroup var stackOption: StackOption
    @Argument(help: "ROLE or ROLE/N.") var target: String
    func run() throws { try CLI.finish(try CLI.send("start \(target)", stackFile: stackOption.file)) }
}

/// `roster stop ROLE[/N]`.
struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop a role or one instance; it stays down until `roster start`.")
    @OptionGroup var stackOption: StackOption
    @Argument(help: "ROLE or ROLE/N.") var target: String
    func run() throws { try CLI.finish(try CLI.send("stop \(target)", stackFile: stackOption.file)) }
}

/// `roster restart ROLE[/N]`.
struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restart a role (one instance at a time) or one instance; waits until ready.")
    @OptionGroup var stackOption: StackOption
    @Argument(help: "ROLE or ROLE/N.") var target: String
    func run() throws { try CLI.finish(try CLI.send("restart \(target)", stackFile: stackOption.file)) }
}

/// `roster scale ROLE=N`.
struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add or remove instances live (removed ones are drained from their front tier first).")
    @OptionGroup var stackOption: StackOption
    @Argument(help: "ROLE=N.") var target: String
    func run() throws { try CLI.finish(try CLI.send("scale \(target)", stackFile: stackOption.file)) }
}
