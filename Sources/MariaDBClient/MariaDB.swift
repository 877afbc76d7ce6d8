import CMariaDB

/// A failed MariaDB call: the server's (or client library's) error number and message.
public struct MariaDBError: Error, CustomStringConvertible, Sendable {
    /// `mysql_errno`: 1045 access denied, 2002/2003 cannot connect, 2006/2013 connection lost…
    public var code: UInt32
    public var message: String

    /// True when the connection is gone (the server restarted or cannot be reached): reconnect and retry.
    public var isConnectionError: Bool { [2002, 2003, 2006, 2013, 2026, 2055, 1927, 1053].contains(code) }

    public var description: String { "MariaDB error \(code): \(message)" }
}

/// Where and how to connect.
public struct MariaDBEndpoint: Sendable, Equatable {
    /// TCP host (an IPv4 address); nil with `socket` for a Unix socket.
    public var host: String?
    public var port: Int
    /// Unix socket path (then `host` is ignored).
    public var socket: String?
    public var user: String
    public var password: String?
    public var database: String?
    /// Local address to connect *from* (MYSQL_OPT_BIND): grants and firewall rules see this source.
    public var bind: String?
    /// Connect, read and write timeouts, in seconds.
    public var timeout: UInt32

    /// An endpoint.
    public init(host: String? = nil, port: Int = 3306, socket: String? = nil, user: String, password: String? = nil,
                database: String? = nil, bind: String? = nil, timeout: UInt32 = 5) {
        self.host = host
        self.port = port
        self.socket = socket
        self.user = user
        self.password = password
        self.database = database
        self.bind = bind
        self.timeout = timeout
    }
}

private let libraryReady: Bool = mysql_server_init(0, nil, nil) == 0

/// One connection through libmariadb. Use it from one thread at a time; it may move between
/// threads (through a pool), hence `@unchecked Sendable`.
public final class MariaDB: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MYSQL>

    /// Connects (utf8mb4, autocommit on); throws the server's error.
    public init(_ endpoint: MariaDBEndpoint) throws(MariaDBError) {
        _ = libraryReady
        guard let handle = mysql_init(nil) else { throw MariaDBError(code: 2008, message: "out of memory") }
        self.handle = handle
        var timeout = endpoint.timeout
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        mysql_options(handle, MYSQL_OPT_READ_TIMEOUT, &timeout)
        mysql_options(handle, MYSQL_OPT_WRITE_TIMEOUT, &timeout)
        _ = "utf8mb4".withCString { mysql_options(handle, MYSQL_SET_CHARSET_NAME, $0) }
        if let bind = endpoint.bind { _ = bind.withCString { mysql_options(handle, MYSQL_OPT_BIND, $0) } }
        if endpoint.socket != nil {
            var protocolSocket = UInt32(MYSQL_PROTOCOL_SOCKET.rawValue)
            mysql_options(handle, MYSQL_OPT_PROTOCOL, &protocolSocket)
        } else {
            var protocolTCP = UInt32(MYSQL_PROTOCOL_TCP.rawValue)
            mysql_options(handle, MYSQL_OPT_PROTOCOL, &protocolTCP)
        }
        guard mysql_real_connect(handle, endpoint.socket == nil ? endpoint.host : nil, endpoint.user, endpoint.password,
                                 endpoint.database, UInt32(endpoint.port), endpoint.socket, 0) != nil else {
            // Thrown after every stored property is set, so deinit runs and closes the handle.
            throw MariaDB.error(of: handle)
        }
    }

    deinit { mysql_close(handle) }

    /// Runs a statement that returns no rows; returns the affected row count.
    @discardableResult
    public func execute(_ sql: String) throws(MariaDBError) -> UInt64 {
        guard mysql_real_query(handle, sql, UInt(sql.utf8.count)) == 0 else { throw MariaDB.error(of: handle) }
        if let result = mysql_store_result(handle) { mysql_free_result(result) }
        return mysql_affected_rows(handle)
    }

    /// Runs a query; returns its rows (NULL as nil) in order.
    public func query(_ sql: String) throws(MariaDBError) -> [[String?]] {
        guard mysql_real_query(handle, sql, UInt(sql.utf8.count)) == 0 else { throw MariaDB.error(of: handle) }
        guard let result = mysql_store_result(handle) else {
            if mysql_field_count(handle) == 0 { return [] }
            throw MariaDB.error(of: handle)
        }
        defer { mysql_free_result(result) }
        let columns = Int(mysql_num_fields(result))
        var rows: [[String?]] = []
        while let row = mysql_fetch_row(result) {
            let lengths = mysql_fetch_lengths(result)
            rows.append((0..<columns).map { index in
                guard let cell = row[index] else { return nil }
                let length = Int(lengths?[index] ?? 0)
                return cell.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
            })
        }
        return rows
    }

    /// The first column of the first row, or nil.
    public func value(_ sql: String) throws(MariaDBError) -> String? {
        try query(sql).first?.first ?? nil
    }

    /// Rows as dictionaries by column name (for `SHOW SLAVE STATUS` and the like).
    public func records(_ sql: String) throws(MariaDBError) -> [[String: String]] {
        guard mysql_real_query(handle, sql, UInt(sql.utf8.count)) == 0 else { throw MariaDB.error(of: handle) }
        guard let result = mysql_store_result(handle) else { return [] }
        defer { mysql_free_result(result) }
        let columns = Int(mysql_num_fields(result))
        let fields = mysql_fetch_fields(result)!
        let names = (0..<columns).map { String(cString: fields[$0].name) }
        var records: [[String: String]] = []
        while let row = mysql_fetch_row(result) {
            var record: [String: String] = [:]
            for index in 0..<columns { if let cell = row[index] { record[names[index]] = String(cString: cell) } }
            records.append(record)
        }
        return records
    }

    /// The AUTO_INCREMENT id of the last insert.
    public var lastInsertID: UInt64 { mysql_insert_id(handle) }

    /// `text` as a quoted SQL string literal, escaped for this connection's character set.
    public func quote(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var buffer = [CChar](repeating: 0, count: bytes.count * 2 + 1)
        let length = bytes.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { mysql_real_escape_string(handle, &buffer, $0.baseAddress, UInt(bytes.count)) }
        }
        return "'" + String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self) + "'"
    }

    /// True while the server answers.
    public func ping() -> Bool { mysql_ping(handle) == 0 }

    private static func error(of handle: UnsafeMutablePointer<MYSQL>) -> MariaDBError {
        MariaDBError(code: mysql_errno(handle), message: String(cString: mysql_error(handle)))
    }
}
