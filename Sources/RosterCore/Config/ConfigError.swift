/// A user error in a stack file or manifest: the file, the line when known, and what is wrong.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file, as the user named it (or relative to the working directory).
    public var file: String
    /// The 1-based line, when the error points at one.
    public var line: Int?
    /// What was found and what is expected.
    public var message: String

    /// Creates an error at `file:line`.
    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `etc/roster.yaml:7: role "app": …`
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Errors and warnings gathered while reading configuration; nothing starts while `errors` is non-empty.
public struct Diagnostics: Sendable {
    /// Problems that stop the stack from starting.
    public var errors: [ConfigError] = []
    /// Problems worth telling the user that do not stop anything.
    public var warnings: [ConfigError] = []

    /// No diagnostics yet.
    public init() {}

    /// Adds an error about `file` (at `line`, when known).
    public mutating func error(_ file: String, _ line: Int?, _ message: String) {
        errors.append(ConfigError(file: file, line: line, message))
    }

    /// Adds a warning about `file` (at `line`, when known).
    public mutating func warning(_ file: String, _ line: Int?, _ message: String) {
        warnings.append(ConfigError(file: file, line: line, message))
    }

    /// Appends another set of diagnostics.
    public mutating func merge(_ other: Diagnostics) {
        errors += other.errors
        warnings += other.warnings
    }
}
