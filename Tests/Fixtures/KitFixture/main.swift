// A RosterKit plugin used by the tests: runs nginx as its child, serving the list of ready
// instances of the role named by the `follows` option. Reloads on the reload signal, refuses (and
// keeps the running configuration) while a file named `break` exists in its state directory.
import Glibc
import RosterKit
import RosterSystem

struct Options: Decodable {
    var follows: String
}

Plugin.run("kit-fixture") {
    let env = try PluginEnvironment()
    let options = try env.options(Options.self)
    let port = try env.port("http")
    let dir = env.stateDirectory
    let config = ConfigFile(path: dir + "/nginx.conf")
    var following: [String] = []

    func render() throws(PluginError) -> String {
        following = try env.discovery().ready(options.follows).map(\.id)
        var text = Render.header("kit fixture") + """
            daemon off;
            master_process on;
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log stderr notice;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(dir)/tmp;
                proxy_temp_path \(dir)/tmp;
                fastcgi_temp_path \(dir)/tmp;
                uwsgi_temp_path \(dir)/tmp;
                scgi_temp_path \(dir)/tmp;
                server {
                    listen \(env.address):\(port);
                    location / { return 200 "\(following.joined(separator: " "))\\n"; }
                }
            }

            """
        if Files.exists(dir + "/break") { text += "this is not a directive;\n" }
        return text
    }

    try Files.makeDirectories(dir + "/tmp")
    let check = ConfigFile.commandCheck(["nginx", "-t", "-q", "-e", "stderr", "-p", dir, "-c", "{}"])
    let runner = DaemonRunner(
        Daemon(arguments: ["nginx", "-e", "stderr", "-p", dir, "-c", config.path],
               readiness: .probe(.http(host: env.address, port: port, path: "/")),
               stopSignal: SIGQUIT, reloadSignal: SIGHUP),
        prepare: { () throws(PluginError) in try config.install(try render(), check: check) },
        status: { "following \(following.count) \(options.follows) instance(s)" })
    runner.run()
}
