import Testing
import RosterCore

/// One row of systemd.service's `Restart=` table: how a run ended, and the policies that restart it.
struct RestartRow: Sendable, CustomTestStringConvertible {
    var result: RunResult
    var restartedBy: Set<RestartPolicy>
    var testDescription: String { result.description }
}

/// systemd.service(5), table 2 "Exit causes and the effect of the Restart= settings".
let systemdRestartTable: [RestartRow] = [
    RestartRow(result: .clean(.exited(0)), restartedBy: [.always, .onSuccess]),
    RestartRow(result: .clean(.signaled(15, core: false)), restartedBy: [.always, .onSuccess]),
    RestartRow(result: .exitCode(1), restartedBy: [.always, .onFailure]),
    RestartRow(result: .exitCode(111), restartedBy: [.always, .onFailure]),
    RestartRow(result: .signal(9, core: false), restartedBy: [.always, .onFailure, .onAbnormal, .onAbort]),
    RestartRow(result: .signal(11, core: true), restartedBy: [.always, .onFailure, .onAbnormal, .onAbort]),
    RestartRow(result: .timeout, restartedBy: [.always, .onFailure, .onAbnormal]),
    RestartRow(result: .watchdog, restartedBy: [.always, .onFailure, .onAbnormal, .onWatchdog]),
    RestartRow(result: .permanent, restartedBy: []),
]

/// systemd's `Restart=` semantics and the classification of exits into its rows.
@Suite struct RestartPolicyTests {
    @Test("Each policy restarts exactly the exit causes systemd's table marks for it",
          arguments: RestartPolicy.allCases, systemdRestartTable)
    func systemdTable(policy: RestartPolicy, row: RestartRow) {
        #expect(policy.restarts(after: row.result) == row.restartedBy.contains(policy))
    }

    @Test("Exit status 100 is never restarted, whatever the policy", arguments: RestartPolicy.allCases)
    func exit100NeverRestarts(policy: RestartPolicy) {
        #expect(!policy.restarts(after: RunResult(.exited(100))))
    }

    @Test("Policies are spelled as in systemd", arguments: [
        ("no", RestartPolicy.no), ("on-success", .onSuccess), ("on-failure", .onFailure), ("on-abnormal", .onAbnormal),
        ("on-watchdog", .onWatchdog), ("on-abort", .onAbort), ("always", .always),
    ])
    func spellings(text: String, policy: RestartPolicy) {
        #expect(RestartPolicy(rawValue: text) == policy)
    }

    @Test("The allowed spellings are listed in systemd's order for error messages")
    func spellingsList() {
        #expect(RestartPolicy.spellings == "no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always")
    }

    @Test("Status 0 and death by SIGHUP, SIGINT, SIGTERM or SIGPIPE are clean", arguments: [
        ExitStatus.exited(0), .signaled(1, core: false), .signaled(2, core: false), .signaled(13, core: false),
        .signaled(15, core: false),
    ])
    func cleanExits(status: ExitStatus) {
        #expect(status.isClean)
        #expect(RunResult(status) == .clean(status))
        #expect(RunResult(status).isSuccess)
    }

    @Test("A non-zero status other than 100 is an unclean exit code")
    func uncleanCode() {
        #expect(RunResult(.exited(1)) == .exitCode(1))
        #expect(RunResult(.exited(111)) == .exitCode(111))
        #expect(!RunResult(.exited(1)).isSuccess)
    }

    @Test("Exit status 100 is a permanent failure")
    func status100IsPermanent() {
        #expect(RunResult(.exited(100)) == .permanent)
    }

    @Test("Death by any other signal is an unclean signal, keeping the core flag", arguments: [
        ExitStatus.signaled(9, core: false), .signaled(6, core: true), .signaled(11, core: true), .signaled(3, core: false),
    ])
    func uncleanSignals(status: ExitStatus) {
        guard case .signaled(let signal, let core) = status else { return }
        #expect(!status.isClean)
        #expect(RunResult(status) == .signal(signal, core: core))
    }

    @Test("Exits are described the way a user reads them")
    func descriptions() {
        #expect(ExitStatus.exited(3).description == "exited with status 3")
        #expect(ExitStatus.signaled(11, core: true).description == "killed by SIGSEGV (core dumped)")
        #expect(RunResult.signal(9, core: false).description == "killed by SIGKILL")
        #expect(RunResult.permanent.description == "exited with status 100 (permanent failure)")
    }
}
