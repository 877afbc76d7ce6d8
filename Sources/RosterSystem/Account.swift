import Glibc

/// A user account from the passwd database: who a process runs as after `Spawner` switches to it.
public struct Account: Equatable, Sendable {
    /// The user name.
    public var name: String
    public var uid: uid_t
    /// The primary group.
    public var gid: gid_t
    /// Every group the user is in (the primary one included), as `initgroups` would set them.
    public var groups: [gid_t]
    /// The home directory (`/nonexistent` for a system user without one).
    public var home: String
    public var shell: String

    /// True for uid 0.
    public var isRoot: Bool { uid == 0 }

    /// The account called `nameOrUID` (a user name, or a uid given as digits), or nil when there is none.
    public static func lookup(_ nameOrUID: String) -> Account? {
        if let uid = uid_t(nameOrUID) { return lookup(uid: uid) }
        return entry { getpwnam_r(nameOrUID, &$0, $1, $2, &$3) }
    }

    /// The account with `uid`, or nil when the passwd database has none.
    public static func lookup(uid: uid_t) -> Account? {
        entry { getpwuid_r(uid, &$0, $1, $2, &$3) }
    }

    /// The account this process runs as (its effective uid), when the passwd database knows it.
    public static func current() -> Account? { lookup(uid: geteuid()) }

    /// Reads one passwd entry through a `getpw*_r` call.
    private static func entry(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) -> Account? {
        var record = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = buffer.withUnsafeMutableBufferPointer { call(&record, $0.baseAddress!, $0.count, &found) }
        guard status == 0, found != nil else { return nil }
        let name = String(cString: record.pw_name)
        return Account(name: name, uid: record.pw_uid, gid: record.pw_gid,
                       groups: groups(of: name, primary: record.pw_gid),
                       home: String(cString: record.pw_dir), shell: String(cString: record.pw_shell))
    }

    /// The groups `name` belongs to (`getgrouplist`), its primary group first.
    private static func groups(of name: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 32
        while true {
            var list = [gid_t](repeating: 0, count: Int(count))
            let capacity = count
            if getgrouplist(name, primary, &list, &count) >= 0 { return Array(list.prefix(Int(count))) }
            if count <= capacity { return [primary] }
        }
    }

    /// What stops this account from reaching `path`: every directory leading to it must be
    /// searchable by the account, and `path` itself (when it exists) must allow `access`
    /// (`X_OK`, `R_OK`, … or 0 for nothing more). Nil when nothing does; otherwise a sentence such
    /// as `/root is mode 0700, owned by root`. Mode bits only: ACLs are not consulted.
    public func obstacle(reaching path: String, access wanted: Int32 = 0) -> String? {
        guard !isRoot else { return nil }
        var prefix = ""
        let components = path.split(separator: "/")
        for (position, component) in components.enumerated() {
            let directory = prefix.isEmpty ? "/" : prefix
            if let problem = denial(directory, X_OK) { return problem }
            prefix += "/" + component
            if position == components.count - 1, wanted != 0, let problem = denial(prefix, wanted) { return problem }
        }
        return nil
    }

    /// Why this account lacks `wanted` on `path`, or nil when it has it (or `path` does not exist).
    private func denial(_ path: String, _ wanted: Int32) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let mode = info.st_mode & 0o777
        let shift: mode_t = info.st_uid == uid ? 6 : (groups.contains(info.st_gid) ? 3 : 0)
        let granted = Int32((mode >> shift) & 0o7)
        guard granted & wanted != wanted else { return nil }
        let owner = Account.lookup(uid: info.st_uid)?.name ?? String(info.st_uid)
        return "\(path) is mode 0\(String(mode, radix: 8)), owned by \(owner)"
    }
}
