import Glibc
import RosterCore
import RosterSystem

/// The state directory's layout and who may enter which part of it.
///
/// ```
/// <state-dir>/            0700, or 0711 when roles run as other users (they pass through, never list)
///   discovery.json        0644: every role reads it
///   control.sock          0600, supervisor.run, supervisor.groups
///   logs/                 0700: written by the supervisor alone
///   secrets/              0700, owned by the secrets' owner; each secret 0600
///   instances/            0700, or 0711 as above
///     <role>/             likewise
///       <n>/              0700, owned by the account the role runs as
/// ```
///
/// Running as root, the supervisor gives each part to its account, re-owning what an earlier run
/// under another account left there (a database's files included), so a change of `user:` just works.
enum StateDirectory {
    /// Creates the top of the layout for `stack`.
    static func prepare(_ stack: Stack, accounts: RoleAccounts) throws(SystemError) {
        let shared = !accounts.byRole.isEmpty
        try Files.makeDirectories(stack.stateDir, mode: 0o700)
        try passable(stack.stateDir, shared)
        try owned(stack.stateDir + "/logs", by: nil)
        try owned(stack.stateDir + "/secrets", by: accounts.secretsOwner)
        try Files.makeDirectories(stack.stateDir + "/instances", mode: 0o700)
        try passable(stack.stateDir + "/instances", shared)
        for role in stack.roles {
            try Files.makeDirectories(roleDirectory(stack, role.name), mode: 0o700)
            try passable(roleDirectory(stack, role.name), shared)
        }
    }

    /// The directory of `role`'s instances.
    static func roleDirectory(_ stack: Stack, _ role: String) -> String { "\(stack.stateDir)/instances/\(role)" }

    /// Creates an instance's directory (mode 0700) owned by `account` (nil: the supervisor's user).
    static func prepareInstance(_ path: String, account: Account?) throws(SystemError) {
        try owned(path, by: account)
    }

    /// `path` as a directory of mode 0700 owned by `account`, everything in it re-owned if the
    /// directory itself belonged to someone else. Only root changes owners; anyone else owns
    /// what they create already.
    private static func owned(_ path: String, by account: Account?) throws(SystemError) {
        try Files.makeDirectories(path, mode: 0o700)
        guard let current = Files.owner(of: path) else { throw SystemError("stat \(path)") }
        if geteuid() == 0 {
            let uid = account?.uid ?? 0, gid = account?.gid ?? getegid()
            if current.uid != uid || current.gid != gid {
                try Files.changeOwner(path, uid: uid, gid: gid, recursive: true)
            }
        }
        if current.mode != 0o700, chmod(path, 0o700) != 0 {
            throw SystemError("chmod 0700 \(path)")
        }
    }

    /// Lets other users pass through `path` (search, not list) when `shared`; closes it otherwise.
    private static func passable(_ path: String, _ shared: Bool) throws(SystemError) {
        let mode: mode_t = shared ? 0o711 : 0o700
        if let current = Files.owner(of: path), current.mode != mode, chmod(path, mode) != 0 {
            throw SystemError("chmod 0\(String(mode, radix: 8)) \(path)")
        }
    }
}
