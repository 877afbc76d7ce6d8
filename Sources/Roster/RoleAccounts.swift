import Glibc
import RosterCore
import RosterSystem

/// Who each role's instances run as. Only root can switch users: when Roster runs as root, a role
/// runs as the account its stack-file entry or manifest names (`user:`), else as the stack file's
/// `user:`, else as the system user `roster`; `user: root` keeps root. When Roster runs as anyone
/// else, every role runs as that user.
public struct RoleAccounts: Sendable {
    /// The account of each role that must switch to one; a role absent here runs as the supervisor.
    public var byRole: [String: Account] = [:]
    /// The owner of the stack's secrets directory; nil when it stays the supervisor's.
    public var secretsOwner: Account?

    /// Nobody switches: every role runs as the supervisor's user.
    public init() {}

    /// The command that creates the default account (what `make deps` runs).
    public static let createDefault =
        "useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin \(UserSetting.defaultName)"

    /// Resolves the accounts of `stack`'s roles, adding an error for every account that does not
    /// exist or cannot reach what its roles need (their executable, the state directory, the
    /// stack file's directory). Only a supervisor running as root switches users.
    public static func resolve(_ stack: Stack, stackFile: String, diagnostics: inout Diagnostics) -> RoleAccounts {
        let euid = geteuid()
        guard euid == 0 else {
            warnIgnored(stack, euid: euid, diagnostics: &diagnostics)
            return RoleAccounts()
        }
        var result = RoleAccounts()
        let fallback = Account.lookup(UserSetting.defaultName)
        var fallbackWanted = false
        var reported = Set<String>()
        var obstacles: [(key: String, account: String, text: String, roles: [String])] = []
        /// The account `setting` names (the default one when nil); nil, with an error, when there is none.
        func account(_ setting: UserSetting?, role: String?) -> Account? {
            guard let setting else {
                fallbackWanted = true
                return fallback
            }
            if let account = Account.lookup(setting.name) { return account }
            if reported.insert("\(setting.file):\(setting.line ?? 0)").inserted {
                let whose = role.map { "role \"\($0)\": " } ?? ""
                diagnostics.error(setting.file, setting.line,
                    "\(whose)user \"\(setting.name)\" does not exist on this machine (create it, or name another)")
            }
            return nil
        }
        func need(_ account: Account, _ path: String, _ access: Int32, role: String, what: String) {
            guard let obstacle = account.obstacle(reaching: path, access: access) else { return }
            let key = "\(account.name) \(path)"
            if let index = obstacles.firstIndex(where: { $0.key == key }) {
                if !obstacles[index].roles.contains(role) { obstacles[index].roles.append(role) }
            } else {
                obstacles.append((key, account.name, "cannot \(what) \(path): \(obstacle)", [role]))
            }
        }
        var defaulted: [String] = []
        for role in stack.roles {
            if role.user == nil && stack.user == nil { defaulted.append(role.name) }
            guard let account = account(role.user ?? stack.user, role: role.name), !account.isRoot else { continue }
            result.byRole[role.name] = account
            need(account, role.executable, X_OK, role: role.name, what: "run")
            need(account, Files.parent(of: stack.stateDir), X_OK, role: role.name, what: "reach the state directory in")
            need(account, Files.parent(of: stack.file), X_OK, role: role.name, what: "read files beside the stack file in")
        }
        if !result.byRole.isEmpty, let owner = account(stack.user, role: nil), !owner.isRoot {
            result.secretsOwner = owner
        }
        if fallbackWanted, fallback == nil {
            let who = defaulted.isEmpty ? "the stack's secrets belong"
                : "role\(defaulted.count == 1 ? "" : "s") \(defaulted.joined(separator: ", ")) run"
            diagnostics.error(stackFile, nil,
                "\(who) as the system user \"\(UserSetting.defaultName)\" when Roster runs as root, and there is no such user: "
                + "create it with `\(createDefault)` (make deps does), or name another with \"user:\" in the stack file")
        }
        for obstacle in obstacles {
            diagnostics.error(stackFile, nil,
                "user \(obstacle.account) (role\(obstacle.roles.count == 1 ? "" : "s") \(obstacle.roles.joined(separator: ", "))) "
                + "\(obstacle.text). Keep the plugins and the state directory where \(obstacle.account) can reach them "
                + "(every directory on the way must let others pass), or run those roles as root with \"user: root\"")
        }
        return result
    }

    /// As non-root nobody can switch users: a `user:` naming someone else is ignored, with a warning
    /// (except `root`, which marks a role that needs privileges and says so itself when it lacks them).
    private static func warnIgnored(_ stack: Stack, euid: uid_t, diagnostics: inout Diagnostics) {
        let me = Account.lookup(uid: euid)
        var warned = Set<String>()
        for setting in stack.roles.compactMap({ $0.user }) + [stack.user].compactMap({ $0 }) {
            guard setting.name != "root", setting.name != "0", Account.lookup(setting.name)?.uid != euid,
                  warned.insert("\(setting.file):\(setting.line ?? 0)").inserted else { continue }
            diagnostics.warning(setting.file, setting.line,
                "user \"\(setting.name)\" is ignored: only root can switch users, so every role runs as \(me?.name ?? String(euid))")
        }
    }
}
