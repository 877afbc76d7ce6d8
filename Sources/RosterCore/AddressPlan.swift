/// Which loopback address each instance gets.
///
/// Role number `r` (its position in the stack file) owns `127.(77+r).0.0/16`; instance `n` of it is
/// the `n+1`-th address of that block: `app/0` of the third role is `127.79.0.1`, instance 300 is
/// `127.79.1.45`. Linux routes all of 127.0.0.0/8 to `lo`, so nothing needs set-up, and instances of
/// one role can share port numbers as if on separate hosts.
public enum AddressPlan {
    /// The first octet pair: role 0's block is 127.77.0.0/16.
    public static let firstBlock = 77
    /// Instances per role the plan can address.
    public static let maxInstances = 65_534

    /// The address of instance `instance` of the role at `roleIndex`.
    public static func address(roleIndex: Int, instance: Int) -> String {
        let offset = instance + 1
        return "127.\(firstBlock + roleIndex).\(offset / 256).\(offset % 256)"
    }
}
