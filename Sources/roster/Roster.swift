import ArgumentParser

/// `roster`: boots and supervises a stack of role plugins.
@main
struct RosterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "Boot a stack of role plugins as real processes and keep it alive.",
        subcommands: [Up.self, Status.self, Start.self, Stop.self, Restart.self, Logs.self, Down.self,
                      Scale.self, Validate.self, Plugins.self, NewRole.self])
}

/// The option every command takes.
struct StackOption: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("file")], help: "The stack file.")
    var file: String = "etc/roster.yaml"
}
