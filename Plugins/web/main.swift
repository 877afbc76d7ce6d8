// web: nginx in the foreground as the plugin's child. Serves the static site and proxies /api/
// to the ready app instances from discovery; on a change, re-renders, checks with `nginx -t` and
// reloads with SIGHUP (no connection dropped); an invalid config keeps the running one.
import Glibc
import RosterKit
import RosterRoles
import RosterSystem

struct Options: Decodable {
    var site = "site"
    var app = "app"
    var accessLog = false

    enum CodingKeys: String, CodingKey { case site, app, accessLog = "access-log" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        site = try container.decodeIfPresent(String.self, forKey: .site) ?? site
        app = try container.decodeIfPresent(String.self, forKey: .app) ?? app
        accessLog = try container.decodeIfPresent(Bool.self, forKey: .accessLog) ?? accessLog
    }
}

/// The generation the running configuration should report (the plugin's one thread only).
final class GenerationBox: @unchecked Sendable {
    var value = ""
}

Plugin.run("web") {
    let env = try PluginEnvironment()
    let options = try env.options(Options.self)
    let port = try env.port("http")
    let dir = env.stateDirectory
    let site = env.resolve(options.site)
    guard Files.isDirectory(site) else { throw PluginError.permanent("options: site: \(site) is not a directory") }
    for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        do { try Files.makeDirectories("\(dir)/tmp/\(sub)", mode: 0o700) } catch { throw PluginError.temporary("\(error)") }
    }
    let config = ConfigFile(path: dir + "/nginx.conf")
    var apps: [String] = []
    var generation = 0
    let check = ConfigFile.commandCheck(["nginx", "-t", "-q", "-e", "stderr", "-p", dir, "-c", "{}"])
    func prepare() throws(PluginError) -> ConfigFile.Outcome {
        let discovery = try env.discovery()
        apps = discovery.ready(options.app).compactMap { $0.endpoint("http") }
        generation = Int(discovery.generation)
        return try config.install(NginxConfig.render(.init(instance: env.instance, address: env.address, port: port,
                                                            stateDirectory: dir, site: site, apps: apps,
                                                            accessLog: options.accessLog, generation: String(generation))),
                                  mode: 0o644, check: check)
    }
    var daemon = Daemon(arguments: ["nginx", "-e", "stderr", "-p", dir, "-c", config.path],
                        readiness: .probe(.http(host: env.address, port: port, path: "/nginx-health")),
                        stopSignal: SIGQUIT, reloadSignal: SIGHUP)
    // Each rendering carries discovery's generation; new workers answer with the new one. The
    // reload is done once no old worker is left: until then, one may still pass a request it had
    // accepted to an app that is being drained (and about to stop).
    let expected = GenerationBox()
    daemon.reloadConfirmation = .custom("nginx serves the new configuration and its old workers are gone") {
        Probe.httpBody(host: env.address, port: port, path: "/nginx-config") == expected.value
            && !NginxConfig.oldWorkersRemain(pidFile: dir + "/nginx.pid")
    }
    let runner = DaemonRunner(
        daemon,
        prepare: { () throws(PluginError) -> ConfigFile.Outcome in
            let outcome = try prepare()
            expected.value = String(generation)
            return outcome
        },
        status: { "serving on \(env.address):\(port); \(apps.count) app instance(s): \(apps.joined(separator: " "))" })
    runner.run()
}
