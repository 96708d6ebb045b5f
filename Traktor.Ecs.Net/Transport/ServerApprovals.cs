namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// The connection approvals one <see cref="NetServer"/> asks, all of which must admit a connection: the options'
/// <see cref="NetServerOptions.ApproveConnection"/> first, then those added with <see cref="Add"/> (a session relay's, a
/// router's) in the order they were added. An added one is removed by disposing its handle, so a relay that ended or was
/// replaced stops deciding: an approval that stayed for the server's life would let an ended relay go on refusing every
/// player of the session that follows it.
/// </summary>
/// <remarks>
/// Adding and removing copy the array under a lock (rare: a relay made or ended) and publish the copy; the handshake reads
/// the current array without a lock and allocates nothing. A handle may be disposed on any thread: a handshake already
/// asking may still ask the removed approval once.
/// </remarks>
internal sealed class ServerApprovals
{
    private readonly ConnectionApproval? first;
    private readonly object gate = new();
    private volatile Registration[] added = [];

    /// <summary>Starts with <paramref name="first"/> (the options' approval, or null for none).</summary>
    /// <param name="first">Asked before every added approval.</param>
    public ServerApprovals(ConnectionApproval? first) => this.first = first;

    /// <summary>Approvals added and not yet removed.</summary>
    public int Count => added.Length;

    /// <summary>Adds <paramref name="approve"/>; disposing the handle removes it (once; again does nothing).</summary>
    /// <param name="approve">The approval.</param>
    /// <returns>The handle that removes it.</returns>
    public IDisposable Add(ConnectionApproval approve)
    {
        ArgumentNullException.ThrowIfNull(approve);
        return AddRefusal((clientId, userData, address) => approve(clientId, userData, address) ? null : DisconnectReason.Rejected);
    }

    /// <summary>Adds <paramref name="refuse"/>, an approval that says why it refuses; disposing the handle removes it.</summary>
    /// <param name="refuse">The approval.</param>
    /// <returns>The handle that removes it.</returns>
    public IDisposable AddRefusal(ConnectionRefusal refuse)
    {
        ArgumentNullException.ThrowIfNull(refuse);
        var registration = new Registration(this, refuse);
        lock (gate)
        {
            added = [.. added, registration];
        }

        return registration;
    }

    /// <summary>
    /// Null when every approval admits the connection (null with none); otherwise the first refusal's reason
    /// (<see cref="DisconnectReason.Rejected"/> for an approval that only says no).
    /// </summary>
    /// <param name="clientId">The token's client id.</param>
    /// <param name="userData">The token's user data.</param>
    /// <param name="address">The client's address.</param>
    /// <returns>Null to admit it; otherwise why not.</returns>
    public DisconnectReason? Refusal(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address)
    {
        if (first is not null && !first(clientId, userData, address))
        {
            return DisconnectReason.Rejected;
        }

        foreach (var registration in added)
        {
            if (registration.Refuse(clientId, userData, address) is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    private void Remove(Registration registration)
    {
        lock (gate)
        {
            int at = Array.IndexOf(added, registration);
            if (at < 0)
            {
                return;
            }

            var kept = new Registration[added.Length - 1];
            Array.Copy(added, 0, kept, 0, at);
            Array.Copy(added, at + 1, kept, at, kept.Length - at);
            added = kept;
        }
    }

    /// <summary>One added approval; its own object, so the same delegate added twice is removed once per handle.</summary>
    private sealed class Registration(ServerApprovals owner, ConnectionRefusal refuse) : IDisposable
    {
        public ConnectionRefusal Refuse { get; } = refuse;

        public void Dispose() => owner.Remove(this);
    }
}
