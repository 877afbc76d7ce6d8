import RosterKit
import RosterSystem

/// A local certificate authority and a server certificate signed by it, made with `openssl` on
/// first start and kept: `ca.crt` is what clients trust (`curl --cacert`); keys are mode 0600.
public struct TLSCertificates: Sendable {
    public let caCertificate: String
    /// Certificate, chain and key in one file, as HAProxy reads it (mode 0600).
    public let serverPEM: String

    /// Makes the CA and the server certificate (for `domain`, `*.domain`, `localhost` and `address`) unless they exist.
    public static func ensure(directory: String, stack: String, domain: String, address: String) throws(PluginError) -> TLSCertificates {
        let result = TLSCertificates(caCertificate: directory + "/ca.crt", serverPEM: directory + "/server.pem")
        if Files.exists(result.serverPEM), Files.exists(result.caCertificate) { return result }
        do { try Files.makeDirectories(directory, mode: 0o700) } catch { throw .temporary("\(error)") }
        let script = """
            set -euo pipefail
            umask 077
            cd "$TLS_DIR"
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3650 \\
              -subj "/CN=Roster local CA ($TLS_STACK)" -keyout ca.key -out ca.crt \\
              -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \\
              -subj "/CN=$TLS_DOMAIN" -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=DNS:%s,DNS:*.%s,DNS:localhost,IP:%s\\nbasicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\n' \\
              "$TLS_DOMAIN" "$TLS_DOMAIN" "$TLS_ADDRESS" > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 825 \\
              -extfile server.ext -out server.crt 2>/dev/null
            cat server.crt ca.crt server.key > server.pem.new
            mv server.pem.new server.pem
            chmod 0644 ca.crt server.crt
            rm -f server.csr server.ext
            """
        var environment = PluginEnvironment.current()
        environment.merge(["TLS_DIR": directory, "TLS_STACK": stack, "TLS_DOMAIN": domain, "TLS_ADDRESS": address]) { _, new in new }
        let run = try Command.run(["bash", "-c", script], environment: environment.map { "\($0.key)=\($0.value)" })
        guard run.status == 0 else { throw .temporary("making the TLS certificates failed: \(run.output)") }
        return result
    }
}
