using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>Limits of the RPC layer.</summary>
public sealed class RpcOptions
{
    /// <summary>The largest RPC message, header included, in bytes. Default 1,024.</summary>
    public int MaxRpcBytes { get; set; } = 1024;

    /// <summary>RPCs per second a client may send on average (server side). Default 120.</summary>
    public double RatePerSecond { get; set; } = 120;

    /// <summary>RPCs a client may send in a burst (server side). Default 240.</summary>
    public double Burst { get; set; } = 240;

    /// <summary>RPCs a client holds back waiting for their snapshot before it releases the oldest. Default 1,024.</summary>
    public int MaxHeldRpcs { get; set; } = 1024;

    /// <summary>
    /// How long a client holds an RPC waiting for its snapshot before it delivers it anyway. Default 1 s; at least zero and at
    /// most <see cref="MaxHoldTimeLimit"/> (an RPC held longer than that is no longer news of the moment it was sent).
    /// </summary>
    public TimeSpan MaxHoldTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The server's <see cref="ServerReplicationOptions.SpawnResendTicks"/> (client side): when the
    /// snapshot an RPC was sent after is lost, the client also accepts the snapshots this many ticks later, which
    /// carry the re-sent spawns. Default 8, the replication default.
    /// </summary>
    public int SpawnResendTicks { get; set; } = 8;

    /// <summary>
    /// When the snapshot an RPC was sent after is lost, how many newer ticks the client waits before releasing the
    /// RPC anyway (client side). The server re-sends unacknowledged spawns every 8 ticks by default, so 32 covers
    /// three more losses in a row. Default 32 (about half a second at 60 Hz).
    /// </summary>
    public int LostSnapshotWaitTicks { get; set; } = 32;

    /// <summary>
    /// How long the server keeps a disconnected player's entities for a reconnect (server side). Default 30 s; zero destroys
    /// them at the end of the tick that saw the disconnect. A replaced connection (the client connected again from the same
    /// socket before its old connection closed) is not a disconnect: the player keeps its entities whatever this is. At least
    /// zero and at most <see cref="ReconnectGrace.PeriodLimit"/> (one day): every player who leaves keeps its entities this
    /// long, so it bounds how long a leaver's entities are held; <see cref="MaxReconnectWaiting"/> bounds how many leavers are
    /// waited for at once.
    /// </summary>
    public TimeSpan ReconnectGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most disconnected players whose entities are kept for a reconnect at once (server side; default
    /// <see cref="ReconnectGrace.DefaultMaxWaiting"/>, 4,096; at least 1). One more leaving releases the player that left
    /// first before its period ends (<see cref="ReconnectGrace.MaxWaiting"/>).
    /// </summary>
    public int MaxReconnectWaiting { get; set; } = ReconnectGrace.DefaultMaxWaiting;

    /// <summary>The longest <see cref="MaxHoldTime"/>: one minute.</summary>
    public static readonly TimeSpan MaxHoldTimeLimit = TimeSpan.FromMinutes(1);

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive, a rate is not finite, or a time is negative or past its bound.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRpcBytes, RpcFormat.ServerHeaderSize + 1, nameof(MaxRpcBytes));
        // NaN passes a "<= 0" check, and so does infinity: either made every client's token bucket NaN (at once, or at the
        // second RPC of an instant), which is never "below one token", so the rate limit was off for everyone.
        if (!(RatePerSecond > 0 && double.IsFinite(RatePerSecond)))
            throw new ArgumentOutOfRangeException(nameof(RatePerSecond), RatePerSecond, "RatePerSecond must be finite and positive.");
        if (!(Burst >= 1 && double.IsFinite(Burst)))
            throw new ArgumentOutOfRangeException(nameof(Burst), Burst, "Burst must be finite and at least 1.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxHeldRpcs, nameof(MaxHeldRpcs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LostSnapshotWaitTicks, nameof(LostSnapshotWaitTicks));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SpawnResendTicks, nameof(SpawnResendTicks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHoldTime, TimeSpan.Zero, nameof(MaxHoldTime));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxHoldTime, MaxHoldTimeLimit, nameof(MaxHoldTime));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectGracePeriod, TimeSpan.Zero, nameof(ReconnectGracePeriod));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ReconnectGracePeriod, ReconnectGrace.PeriodLimit, nameof(ReconnectGracePeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReconnectWaiting, 1, nameof(MaxReconnectWaiting));
    }
}
