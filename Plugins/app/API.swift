import Foundation
import Hummingbird
import MariaDBClient

/// The seed's JSON API: users, posts, settings, health.
struct API: Sendable {
    let db: Database
    let instance: String

    static let maxBody = 64 * 1024

    // MARK: Responses

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) -> Response {
        var body: [String: Any] = ["error": message]
        if let field { body["field"] = field }
        return json(status, body)
    }

    /// Maps a failure to a response: bad input 400, missing 404, duplicates 409, no database 503.
    static func failure(_ error: any Error) -> Response {
        switch error {
        case let bad as BadRequest: return Self.error(.badRequest, bad.message, field: bad.field)
        case let missing as NotFound: return Self.error(.notFound, missing.message)
        case let sql as MariaDBError where sql.code == 1062: return Self.error(.conflict, "already exists", field: "email")
        case let sql as MariaDBError where sql.code == 1452: return Self.error(.badRequest, "no such user", field: "author_id")
        case let sql as MariaDBError where sql.isConnectionError: return Self.error(.serviceUnavailable, "database unavailable: \(sql.message)")
        case let down as Database.Unavailable: return Self.error(.serviceUnavailable, "database unavailable: \(down.description)")
        case let sql as MariaDBError: return Self.error(.serviceUnavailable, "database error \(sql.code)")
        default: return Self.error(.internalServerError, "\(error)")
        }
    }

    struct BadRequest: Error { var message: String; var field: String? }
    struct NotFound: Error { var message: String }

    // MARK: Input

    /// A JSON value with its exact type (JSONSerialization blurs numbers and booleans).
    enum JSONValue: Decodable {
        case string(String), integer(Int64), number(Double), bool(Bool), null, other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null; return }
            if let value = try? container.decode(Bool.self) { self = .bool(value); return }
            if let value = try? container.decode(Int64.self) { self = .integer(value); return }
            if let value = try? container.decode(Double.self) { self = .number(value); return }
            if let value = try? container.decode(String.self) { self = .string(value); return }
            self = .other
        }
    }

    /// The request body as a JSON object; too large, malformed or not an object is a 400.
    static func object(_ request: Request) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBody)
        } catch {
            throw BadRequest(message: "body larger than \(maxBody) bytes")
        }
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: buffer)) else {
            throw BadRequest(message: "body is not a JSON object")
        }
        return object
    }

    static func string(_ object: [String: JSONValue], _ field: String, max: Int) throws -> String {
        guard let value = object[field] else { throw BadRequest(message: "missing field", field: field) }
        guard case .string(let text) = value else { throw BadRequest(message: "must be a string", field: field) }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw BadRequest(message: "must not be empty", field: field) }
        guard trimmed.count <= max else { throw BadRequest(message: "longer than \(max) characters", field: field) }
        return trimmed
    }

    static func integer(_ object: [String: JSONValue], _ field: String) throws -> Int64 {
        guard let value = object[field] else { throw BadRequest(message: "missing field", field: field) }
        guard case .integer(let id) = value, id > 0 else { throw BadRequest(message: "must be a positive integer", field: field) }
        return id
    }

    static func id(_ context: some RequestContext, _ name: String = "id") throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw BadRequest(message: "must be a positive integer", field: name)
        }
        return id
    }

    // MARK: Schema

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL,
          email VARCHAR(320) NOT NULL, created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
          UNIQUE KEY email (email)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """,
        """
        CREATE TABLE IF NOT EXISTS posts (id BIGINT AUTO_INCREMENT PRIMARY KEY, author_id BIGINT NOT NULL,
          title VARCHAR(300) NOT NULL, body TEXT NOT NULL, created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
          KEY newest (created_at), CONSTRAINT posts_author FOREIGN KEY (author_id) REFERENCES users (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """,
        """
        CREATE TABLE IF NOT EXISTS settings (name VARCHAR(100) PRIMARY KEY, value TEXT NOT NULL,
          updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """,
    ]

    // MARK: Routes

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/healthz") { _, _ in await self.health() }
        router.post("/api/users") { request, _ in await self.handle { try await self.createUser(request) } }
        router.get("/api/users/{id}") { request, context in
            await self.handle { try await self.user(try API.id(context), consistent: request.uri.queryParameters.get("consistent") == "1") }
        }
        router.post("/api/posts") { request, _ in await self.handle { try await self.createPost(request) } }
        router.get("/api/posts") { request, _ in
            await self.handle { try await self.posts(request) }
        }
        router.get("/api/posts/{id}") { request, context in
            await self.handle { try await self.post(try API.id(context), consistent: request.uri.queryParameters.get("consistent") == "1") }
        }
        router.get("/api/settings/{key}") { request, context in
            await self.handle { try await self.setting(context.parameters.get("key") ?? "", consistent: request.uri.queryParameters.get("consistent") == "1") }
        }
        router.put("/api/settings/{key}") { request, context in
            await self.handle { try await self.putSetting(context.parameters.get("key") ?? "", request) }
        }
    }

    private func handle(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return API.failure(error) }
    }

    func health() async -> Response {
        let endpoints = db.endpoints
        var body: [String: Any] = [
            "instance": instance,
            "primary": endpoints.primary?.endpoint("sql") ?? NSNull(),
            "replicas": endpoints.replicas.compactMap { $0.endpoint("sql") },
        ]
        do {
            _ = try await db.write { try $0.value("SELECT 1") }
            body["status"] = "ok"
            return API.json(.ok, body)
        } catch {
            body["status"] = "unavailable"
            body["error"] = "\(error)"
            return API.json(.serviceUnavailable, body)
        }
    }

    func createUser(_ request: Request) async throws -> Response {
        let object = try await API.object(request)
        let name = try API.string(object, "name", max: 200)
        let email = try API.string(object, "email", max: 320)
        guard email.contains("@") else { throw BadRequest(message: "must be an email address", field: "email") }
        let row = try await db.write { db -> [String: String?] in
            try db.execute("INSERT INTO users (name, email) VALUES (\(db.quote(name)), \(db.quote(email)))")
            let id = db.lastInsertID
            let gtid = try db.value("SELECT @@last_gtid")
            return ["id": String(id), "gtid": gtid]
        }
        return API.json(.created, ["id": Int64(row["id"]!!)!, "name": name, "email": email, "gtid": row["gtid"]! ?? ""])
    }

    func user(_ id: Int64, consistent: Bool) async throws -> Response {
        let rows = try await db.read(consistent: consistent) { try $0.query("SELECT id, name, email, created_at FROM users WHERE id = \(id)") }
        guard let row = rows.first else { throw NotFound(message: "no user \(id)") }
        return API.json(.ok, ["id": id, "name": row[1] ?? "", "email": row[2] ?? "", "created_at": row[3] ?? ""])
    }

    func createPost(_ request: Request) async throws -> Response {
        let object = try await API.object(request)
        let author = try API.integer(object, "author_id")
        let title = try API.string(object, "title", max: 300)
        guard case .string(let body) = object["body"] else {
            throw BadRequest(message: object["body"] == nil ? "missing field" : "must be a string", field: "body")
        }
        guard body.utf8.count <= 60_000 else { throw BadRequest(message: "longer than 60000 bytes", field: "body") }
        let id = try await db.write { db -> UInt64 in
            try db.execute("INSERT INTO posts (author_id, title, body) VALUES (\(author), \(db.quote(title)), \(db.quote(body)))")
            return db.lastInsertID
        }
        return API.json(.created, ["id": id, "author_id": author, "title": title, "body": body])
    }

    static func postJSON(_ row: [String?]) -> [String: Any] {
        ["id": Int64(row[0] ?? "") ?? 0, "author_id": Int64(row[1] ?? "") ?? 0, "title": row[2] ?? "",
         "body": row[3] ?? "", "created_at": row[4] ?? ""]
    }

    func posts(_ request: Request) async throws -> Response {
        let limitText = request.uri.queryParameters.get("limit") ?? "20"
        guard let limit = Int(limitText), (1...100).contains(limit) else {
            throw BadRequest(message: "must be an integer from 1 to 100", field: "limit")
        }
        let consistent = request.uri.queryParameters.get("consistent") == "1"
        let rows = try await db.read(consistent: consistent) {
            try $0.query("SELECT id, author_id, title, body, created_at FROM posts ORDER BY created_at DESC, id DESC LIMIT \(limit)")
        }
        return API.json(.ok, ["posts": rows.map(API.postJSON)])
    }

    func post(_ id: Int64, consistent: Bool) async throws -> Response {
        let rows = try await db.read(consistent: consistent) {
            try $0.query("SELECT id, author_id, title, body, created_at FROM posts WHERE id = \(id)")
        }
        guard let row = rows.first else { throw NotFound(message: "no post \(id)") }
        return API.json(.ok, API.postJSON(row))
    }

    static func settingKey(_ key: String) throws -> String {
        guard !key.isEmpty, key.count <= 100, key.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw BadRequest(message: "must be 1-100 letters, digits, - _ or .", field: "key")
        }
        return key
    }

    func setting(_ key: String, consistent: Bool) async throws -> Response {
        let key = try API.settingKey(key)
        let value = try await db.read(consistent: consistent) { db in try db.value("SELECT value FROM settings WHERE name = \(db.quote(key))") }
        guard let value else { throw NotFound(message: "no setting \(key)") }
        return API.json(.ok, ["key": key, "value": value])
    }

    func putSetting(_ key: String, _ request: Request) async throws -> Response {
        let key = try API.settingKey(key)
        let object = try await API.object(request)
        let value = try API.string(object, "value", max: 10_000)
        _ = try await db.write { db in
            try db.execute("INSERT INTO settings (name, value) VALUES (\(db.quote(key)), \(db.quote(value))) ON DUPLICATE KEY UPDATE value = VALUES(value)")
        }
        return API.json(.ok, ["key": key, "value": value])
    }
}
