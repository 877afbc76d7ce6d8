import Foundation
import RosterSystem
import Testing

/// Least privilege: run as root, Roster runs roles as unprivileged accounts with state directories
/// of their own; run as anyone else, it runs everything as that user.
@Suite(.serialized)
struct PrivilegeTests {
    /// A plugin that writes who it is into its state directory, then becomes ready.
    static let whoAmI = """
        #!/bin/bash
        set -e
        {
            echo "uid=$(id -u) gid=$(id -g) user=$USER home=$HOME"
            grep -E '^(Uid|NoNewPrivs):' /proc/self/status | tr -s '\\t' ' '
        } > "$ROSTER_STATE_DIR/who"
        echo "kept" >> "$ROSTER_STATE_DIR/data"
        echo "$ROSTER_INSTANCE through /dev/stderr" > /dev/stderr
        systemd-notify --ready
        exec sleep infinity
        """

    static var roster: Account { Account.lookup("roster")! }

    /// The mode and owner of `path`, as `0711 root`.
    static func modeAndOwner(_ path: String) -> String {
        guard let owner = Files.owner(of: path) else { return "missing" }
        return "0\(String(owner.mode, radix: 8)) \(Account.lookup(uid: owner.uid)?.name ?? String(owner.uid))"
    }

    @Test func rolesRunAsTheirAccountsInDirectoriesOfTheirOwn() throws {
        let stack = try StackHarness([
            .init(name: "plain", script: Self.whoAmI),
            .init(name: "privileged", manifest: "user: root", script: Self.whoAmI),
            .init(name: "other", manifest: "user: root", script: Self.whoAmI),
        ], roles: "  plain: {instances: 2}\n  privileged: {}\n  other: {user: nobody}", user: nil)
        try stack.up()
        for id in ["plain/0", "plain/1", "privileged/0", "other/0"] { try stack.waitFor(id, "ready") }
        let roster = Self.roster
        let who = try #require(stack.instanceFile("plain/0", "who"))
        #expect(who.contains("uid=\(roster.uid) gid=\(roster.gid) user=roster home=\(roster.home)"), "\(who)")
        #expect(who.contains("Uid: \(roster.uid) \(roster.uid) \(roster.uid) \(roster.uid)"), "real, effective, saved and fs uid: \(who)")
        #expect(who.contains("NoNewPrivs: 1"), "\(who)")
        try stack.waitUntil("output reopened by path reaches the log") {
            stack.log("plain/0").contains("plain/0 through /dev/stderr")
        }
        let root = try #require(stack.instanceFile("privileged/0", "who"))
        #expect(root.contains("uid=0 "), "user: root in the manifest keeps root: \(root)")
        #expect(root.contains("NoNewPrivs: 0"))
        let other = try #require(stack.instanceFile("other/0", "who"))
        #expect(other.contains("uid=\(Account.lookup("nobody")!.uid) "), "the stack file's entry wins over the manifest: \(other)")

        // Every process of the instance runs as the account, not only the one Roster started.
        let pid = try #require(try stack.pid("plain/1"))
        let group = ProcessTable.allPIDs().filter { ProcessTable.processGroup(of: $0) == pid }
        #expect(!group.isEmpty)
        for member in group {
            let status = Files.read("/proc/\(member)/status") ?? ""
            #expect(status.contains("Uid:\t\(roster.uid)\t"), "pid \(member) is not roster's")
        }

        let state = stack.stateDir
        #expect(Self.modeAndOwner(state) == "0711 root")
        #expect(Self.modeAndOwner(state + "/logs") == "0700 root")
        #expect(Self.modeAndOwner(state + "/control.sock") == "0600 root")
        #expect(Self.modeAndOwner(state + "/discovery.json") == "0644 root")
        #expect(Self.modeAndOwner(state + "/secrets") == "0700 roster")
        #expect(Self.modeAndOwner(state + "/instances") == "0711 root")
        #expect(Self.modeAndOwner(state + "/instances/plain") == "0711 root")
        #expect(Self.modeAndOwner(state + "/instances/plain/0") == "0700 roster")
        #expect(Self.modeAndOwner(state + "/instances/privileged/0") == "0700 root")
        #expect(Self.modeAndOwner(state + "/instances/other/0") == "0700 nobody")
        try stack.down()
    }

    @Test func stateLeftByAnEarlierRunAsAnotherUserIsHandedOver() throws {
        let stack = try StackHarness([.init(name: "keeper", script: Self.whoAmI)], roles: "  keeper: {}", user: nil)
        let plain = try #require(Files.read(stack.stackFile))
        try Files.writeAtomically(stack.stackFile, "user: root\n" + plain)
        try stack.up()
        try stack.waitFor("keeper/0", "ready")
        try stack.down()
        #expect(Self.modeAndOwner(stack.stateDir + "/instances/keeper/0/data") == "0644 root")

        try Files.writeAtomically(stack.stackFile, plain)
        try stack.up()
        try stack.waitFor("keeper/0", "ready")
        #expect(stack.instanceFile("keeper/0", "data") == "kept\nkept", "the earlier run's data is kept, and writable")
        #expect(Self.modeAndOwner(stack.stateDir + "/instances/keeper/0") == "0700 roster")
        #expect(Self.modeAndOwner(stack.stateDir + "/instances/keeper/0/data") == "0644 roster")
        try stack.down()
    }

    @Test func accountsThatCannotWorkAreConfigurationErrors() throws {
        let stack = try StackHarness([.init(name: "svc", script: Self.whoAmI)],
                                     roles: "  svc:\n    user: no-such-user-here", user: nil)
        let missing = try stack.cli("up")
        #expect(missing.code == 2)
        #expect(missing.err.contains("roster.yaml:4: role \"svc\": user \"no-such-user-here\" does not exist"), "\(missing.err)")
        #expect(!Files.exists(stack.stateDir + "/instances"), "nothing was started")

        // A stack under a directory the role's account cannot pass.
        let closed = try StackHarness([.init(name: "svc", script: Self.whoAmI)], roles: "  svc: {}", user: nil)
        #expect(chmod(closed.directory, 0o700) == 0)
        let validate = try closed.cli("validate")
        #expect(validate.code == 2)
        #expect(validate.err.contains("user roster (role svc) cannot run \(closed.directory)/roles.d/svc/run: \(closed.directory) is mode 0700, owned by root"),
                "\(validate.err)")
        #expect(validate.err.contains("user: root"), "says how to opt out")
    }

    @Test func runAsAnotherUserEverythingRunsAsThatUser() throws {
        let stack = try StackHarness([
            .init(name: "plain", script: Self.whoAmI),
            .init(name: "wants-root", manifest: "user: root", script: Self.whoAmI),
        ], roles: "  plain: {user: nobody}\n  wants-root: {}", user: nil)
        // roster runs the supervisor: a copy of the binary it can reach wherever the checkout is.
        let binary = stack.directory + "/roster"
        try FileManager.default.copyItem(atPath: stack.roster, toPath: binary)
        let roster = Self.roster
        #expect(Self.changeOwner(stack.directory, to: roster))
        func asRoster(_ arguments: String...) throws -> StackHarness.Run {
            try stack.runTool("/usr/bin/setpriv", ["--reuid=roster", "--regid=roster", "--init-groups", "--", binary]
                              + arguments + ["-f", stack.stackFile])
        }
        let up = try asRoster("up", "--detach")
        #expect(up.code == 0, "\(up.err)")
        #expect(up.err.contains("user \"nobody\" is ignored: only root can switch users, so every role runs as roster"), "\(up.err)")
        #expect(!up.err.contains("\"root\" is ignored"), "user: root marks a role that needs privileges; no warning")
        try stack.waitFor("plain/0", "ready")
        try stack.waitFor("wants-root/0", "ready")
        for id in ["plain/0", "wants-root/0"] {
            #expect(stack.instanceFile(id, "who")?.contains("uid=\(roster.uid) ") == true, "\(id)")
        }
        #expect(Self.modeAndOwner(stack.stateDir) == "0700 roster", "no other user needs to pass")
        #expect(try asRoster("down").code == 0)
    }

    /// `chown -R`.
    static func changeOwner(_ path: String, to account: Account) -> Bool {
        (try? Files.changeOwner(path, uid: account.uid, gid: account.gid, recursive: true)) != nil
    }
}
