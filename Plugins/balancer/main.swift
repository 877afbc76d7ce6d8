// balancer: HAProxy in master-worker mode (-Ws) as the plugin's child. TLS with a certificate from
// a local CA generated on first start; round robin over the ready web instances with active health
// checks, connecting from its own address; hitless reload (haproxy -c, then SIGUSR2 to the master).
import Glibc
import RosterKit
import RosterRoles
import RosterSystem

struct Options: Decodable {
    var web = "web"

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        web = try container.decodeIfPresent(String.self, forKey: .web) ?? web
    }

    enum CodingKeys: String, CodingKey { case web }
}

Plugin.run("balancer") {
    let env = try PluginEnvironment()
    let options = try env.options(Options.self)
    let dir = env.stateDirectory
    let tls = try TLSCertificates.ensure(directory: dir + "/tls", stack: env.stack,
                                         domain: env.domain ?? "\(env.stack).localhost", address: env.address)
    let config = ConfigFile(path: dir + "/haproxy.cfg")
    var webs: [(name: String, endpoint: String)] = []
    let check = ConfigFile.commandCheck(["haproxy", "-c", "-q", "-f", "{}"])
    func prepare() throws(PluginError) -> ConfigFile.Outcome {
        webs = try env.discovery().ready(options.web).compactMap { web in web.endpoint("http").map { (web.id, $0) } }
        return try config.install(HAProxyConfig.render(.init(
            instance: env.instance, address: env.address, httpPort: try env.port("http"), httpsPort: try env.port("https"),
            statsPort: try env.port("stats"), certificate: tls.serverPEM, webs: webs)), mode: 0o600, check: check)
    }
    let runner = DaemonRunner(
        Daemon(arguments: ["haproxy", "-Ws", "-f", config.path], readiness: .notify,
               stopSignal: SIGUSR1, reloadSignal: SIGUSR2, reloadReportsReady: true,
               health: .tcp(host: env.address, port: try env.port("https"))),
        prepare: prepare,
        status: { "\(webs.count) web instance(s): \(webs.map(\.name).joined(separator: " "))" })
    runner.run()
}
