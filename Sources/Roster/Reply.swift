import RosterCore

/// Control-socket replies: one JSON object per line, `{"exit":N,"message":"…"}` plus command data.
public enum Reply {
    /// Success with a message.
    public static func ok(_ message: String) -> String { make(exit: 0, message: message) }

    /// A reply with an exit code for the CLI (0 ok, 1 runtime failure, 2 usage error).
    public static func make(exit: Int32, message: String, extra: String? = nil) -> String {
        var out = "{\"exit\":\(exit),\"message\":" + JSONText.string(message)
        if let extra { out += ",\"data\":" + extra.trimmingTrailingNewline() }
        return out + "}"
    }
}

extension String {
    func trimmingTrailingNewline() -> String {
        var copy = self
        while copy.last == "\n" { copy.removeLast() }
        return copy.replacing("\n", with: "")
    }
}
