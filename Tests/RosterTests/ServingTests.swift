import Foundation
import RosterSystem
import Testing

/// The whole seed stack, for real, through HAProxy over HTTPS: db-primary, db-replica, app ×2,
/// web ×2, balancer.
@Suite(.serialized)
struct ServingTests {
    static var repository: String { Files.parent(of: ExamplesTests.examples) }
    static let base = "https://127.81.0.1:8443"

    static func stack() throws -> StackHarness {
        let stack = try StackHarness([], roles: """
              db-primary: {}
              db-replica: {}
              app: {instances: 2}
              web: {instances: 2, options: {site: \(repository)/etc/site}}
              balancer: {}
            """)
        try stack.up()
        try stack.waitFor("balancer/0", "ready", timeout: 90)
        try stack.waitFor("db-replica/0", "ready", timeout: 60)
        return stack
    }

    /// What nginx and HAProxy logged as errors, and what the supervisor did meanwhile: the story of a failed request.
    static func errorsLogged(_ stack: StackHarness) -> String {
        let logs = Files.list(stack.stateDir + "/logs").filter { $0.hasPrefix("web.") || $0.hasPrefix("balancer.") }
        let errors = logs.flatMap { name in
            (Files.read(stack.stateDir + "/logs/" + name) ?? "").split(separator: "\n")
                .filter { $0.contains("[error]") || $0.contains("[ALERT]") || $0.contains(" 50") }.map { "\(name): \($0)" }
        }
        return (errors.suffix(20) + stack.supervisorLog.split(separator: "\n").suffix(60).map(String.init)).joined(separator: "\n")
    }

    static func ca(_ stack: StackHarness) -> String { stack.stateDir + "/instances/balancer/0/tls/ca.crt" }

    /// curl through the balancer, verifying the certificate against the generated CA.
    /// Returns (status, headers lower-cased, body).
    static func curl(_ stack: StackHarness, _ method: String, _ path: String, _ body: String? = nil,
                     extra: [String] = []) throws -> (status: Int, headers: [String: String], body: String) {
        var arguments = ["curl", "-sS", "--cacert", ca(stack), "-X", method, "-D", "-", "--max-time", "10"] + extra
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        arguments.append(path.hasPrefix("http") ? path : base + path)
        let run = try stack.runTool("/usr/bin/env", arguments)
        guard run.code == 0 else { throw StackHarness.Failure(description: "curl \(path): \(run.err)") }
        let parts = run.out.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        var headers: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// Users and posts go in and come back out through every tier; TLS verifies against the local
    /// CA, refuses TLS 1.1, sends HSTS; HTTP redirects to HTTPS on the right port; both web and
    /// both app instances serve; bad input is refused with the field named.
    @Test func theStackServesThroughTheBalancer() throws {
        let stack = try Self.stack()
        let created = try Self.curl(stack, "POST", "/api/users", #"{"name":"Ada","email":"ada@example.com"}"#)
        #expect(created.status == 201)
        let user = try #require(Self.json(created.body)["id"] as? Int)
        #expect(created.headers["strict-transport-security"]?.contains("max-age") == true)
        #expect(created.headers["x-roster-balancer"] == "balancer/0")
        let post = try Self.curl(stack, "POST", "/api/posts", #"{"author_id":\#(user),"title":"Hello","body":"First post"}"#)
        #expect(post.status == 201)
        let postID = try #require(Self.json(post.body)["id"] as? Int)
        let mine = try Self.curl(stack, "GET", "/api/posts/\(postID)?consistent=1")
        #expect(Self.json(mine.body)["title"] as? String == "Hello")
        #expect(try Self.curl(stack, "GET", "/api/users/\(user)?consistent=1").status == 200)
        let list = try Self.curl(stack, "GET", "/api/posts?limit=5&consistent=1")
        #expect((Self.json(list.body)["posts"] as? [[String: Any]])?.first?["id"] as? Int == postID)
        #expect(try Self.curl(stack, "PUT", "/api/settings/motd", #"{"value":"hi"}"#).status == 200)
        #expect(Self.json(try Self.curl(stack, "GET", "/api/settings/motd?consistent=1").body)["value"] as? String == "hi")

        let duplicate = try Self.curl(stack, "POST", "/api/users", #"{"name":"Ada","email":"ada@example.com"}"#)
        #expect(duplicate.status == 409)
        let bad = try Self.curl(stack, "POST", "/api/posts", #"{"author_id":"one","title":"x","body":"y"}"#)
        #expect(bad.status == 400)
        #expect(Self.json(bad.body)["field"] as? String == "author_id")
        #expect(try Self.curl(stack, "POST", "/api/users", "not json").status == 400)
        #expect(try Self.curl(stack, "POST", "/api/users", "{\"name\":\"\(String(repeating: "x", count: 70_000))\"}").status == 400)
        #expect(try Self.curl(stack, "GET", "/api/posts/999999").status == 404)

        var apps = Set<String>(), webs = Set<String>()
        for _ in 0..<8 {
            let health = try Self.curl(stack, "GET", "/api/healthz")
            #expect(health.status == 200)
            apps.insert(health.headers["x-roster-app"] ?? "")
            webs.insert(health.headers["x-roster-web"] ?? "")
        }
        #expect(apps == ["app/0", "app/1"])
        #expect(webs == ["web/0", "web/1"])
        let page = try Self.curl(stack, "GET", "/")
        #expect(page.status == 200 && page.body.contains("<title>"))

        let redirect = try stack.runTool("/usr/bin/env", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                                                         "http://127.81.0.1:8080/api/posts?limit=1"])
        #expect(redirect.out == "301 https://127.81.0.1:8443/api/posts?limit=1")
        let old = try stack.runTool("/usr/bin/env", ["curl", "-sS", "--cacert", Self.ca(stack), "--tls-max", "1.1", Self.base + "/"])
        #expect(old.code != 0, "TLS 1.1 was accepted")
        try stack.down()
    }

    /// kill -9 one process of each serving role: the stack recovers by itself and the data is intact.
    @Test func killNineOfAnyRoleProcessRecovers() throws {
        let stack = try Self.stack()
        let created = try Self.curl(stack, "POST", "/api/users", #"{"name":"Bob","email":"bob@example.com"}"#)
        let user = try #require(Self.json(created.body)["id"] as? Int)
        for victim in ["app/0", "web/1", "balancer/0", "db-primary/0", "db-replica/0"] {
            let before = try stack.instance(victim)["restarts"] as? Int ?? 0
            kill(try #require(try stack.pid(victim)), SIGKILL)
            try stack.waitUntil("\(victim) back", timeout: 60) {
                let entry = try stack.instance(victim)
                return entry["restarts"] as? Int ?? 0 > before && entry["state"] as? String == "ready"
            }
        }
        try stack.waitFor("balancer/0", "ready")
        try stack.waitUntil("the API answers again", timeout: 30) { (try? Self.curl(stack, "GET", "/api/healthz").status) == 200 }
        let again = try Self.curl(stack, "GET", "/api/users/\(user)?consistent=1")
        #expect(again.status == 200)
        #expect(Self.json(again.body)["email"] as? String == "bob@example.com")
        try stack.down()
    }

    /// Under continuous load through the balancer, rolling restarts of app and web and scaling both
    /// up and down complete with zero failed requests.
    @Test func rollingRestartAndScaleDropNoRequest() throws {
        let stack = try Self.stack()
        let stop = stack.directory + "/stop-load"
        let load = Process()
        load.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        load.arguments = ["python3", Self.repository + "/Tests/Fixtures/load/load.py", Self.base, Self.ca(stack), stop, "120", "4"]
        let output = Pipe()
        load.standardOutput = output
        try load.run()
        for command in [["restart", "app"], ["restart", "web"], ["scale", "app=3"], ["scale", "web=3"],
                        ["restart", "app"], ["scale", "app=2"], ["scale", "web=2"]] {
            let run = try stack.run(command + ["-f", stack.stackFile])
            #expect(run.code == 0, "\(command): \(run.err)")
        }
        try Files.writeAtomically(stop, "")
        let result = Self.json(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        load.waitUntilExit()
        let ok = result["ok"] as? Int ?? 0
        #expect(ok > 100, "load: \(result)")
        #expect(result["failed"] as? Int == 0, "load: \(result)\n\(Self.errorsLogged(stack))")
        let apps = (result["apps"] as? [String: Int] ?? [:]).keys
        #expect(Set(apps).isSuperset(of: ["app/0", "app/1"]))
        #expect(try stack.status()["roles"].map { ($0 as? [String: Any])?["app"] as? [String: Any] }??["instances"].map { ($0 as? [Any])?.count } == 2)
        try stack.down()
    }
}
