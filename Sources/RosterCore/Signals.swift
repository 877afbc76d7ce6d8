/// Linux signal names and numbers, as `stop-signal` and `reload-signal` accept them.
public enum Signals {
    /// Signal numbers by name without the `SIG` prefix (x86-64 and aarch64 Linux agree on these).
    public static let byName: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "CHLD": 17, "CONT": 18,
        "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "WINCH": 28,
    ]

    /// `SIGTERM`, `TERM` or a number → the signal number; nil when unknown.
    public static func parse(_ text: String) -> Int32? {
        let upper = text.uppercased()
        let bare = upper.hasPrefix("SIG") ? String(upper.dropFirst(3)) : upper
        if let number = byName[bare] { return number }
        if let number = Int32(text), number > 0, number < 65 { return number }
        return nil
    }

    /// `SIGTERM` for 15; `SIG42` for numbers without a name.
    public static func name(_ number: Int32) -> String {
        if let entry = byName.first(where: { $0.value == number }) { return "SIG" + entry.key }
        return "SIG\(number)"
    }
}
