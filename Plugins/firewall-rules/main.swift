// firewall-rules: keeps the stack's own nftables table (`inet roster_<stack>`) in step with
// discovery. Applied atomically (one `nft -f` transaction, checked with `nft -c` first), re-applied
// on every change of a watched role, removed on stop. Never touches another table.
import Glibc
import RosterKit
import RosterRoles
import RosterSystem

Plugin.run("firewall-rules") {
    let env = try PluginEnvironment()
    let table = NftablesRules.table(env.stack)
    let file = env.stateDirectory + "/rules.nft"
    var signals = sigset_t()
    sigemptyset(&signals)
    for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
    pthread_sigmask(SIG_BLOCK, &signals, nil)

    func apply() throws(PluginError) -> Int {
        let (text, count) = NftablesRules.render(stack: env.stack, discovery: try env.discovery(), tiers: .init())
        do { try Files.writeAtomically(file, text, mode: 0o600) } catch { throw .temporary("\(error)") }
        let checked = try Command.run(["nft", "-c", "-f", file])
        if checked.status != 0 {
            if checked.output.contains("Operation not permitted") {
                throw .permanent("nft needs CAP_NET_ADMIN (run Roster as root, or leave firewall-rules out of the stack)")
            }
            throw .temporary("nft -c refused the rules: \(checked.output.split(separator: "\n").prefix(2).joined(separator: " | "))")
        }
        let applied = try Command.run(["nft", "-f", file])
        guard applied.status == 0 else { throw .temporary("nft -f failed: \(applied.output)") }
        return count
    }

    var rules = try apply()
    Notify.send(.ready, .status("table inet \(table): \(rules) rules"))
    while true {
        var received: Int32 = 0
        sigwait(&signals, &received)
        if received == SIGHUP {
            Notify.send(.reloading)
            do {
                rules = try apply()
                Notify.send(.ready, .status("table inet \(table): \(rules) rules"))
            } catch let error as PluginError {
                Notify.send(.ready, .status("keeping the loaded rules: \(error.message)"))
            } catch {
                Notify.send(.ready, .status("keeping the loaded rules: \(error)"))
            }
        } else {
            Notify.send(.stopping)
            _ = try? Command.run(["nft", "delete", "table", "inet", table])
            exit(PluginExit.clean)
        }
    }
}
