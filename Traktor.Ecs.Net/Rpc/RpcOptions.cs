namespace Traktor.Ecs.Net.Rpc;

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

    /// <summary>How long a client holds an RPC waiting for its snapshot before it delivers it anyway. Default 0.5 s.</summary>
    public TimeSpan MaxHoldTime { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the server keeps a disconnected player's entities for a reconnect (server side). Default 30 s; zero destroys them at once.</summary>
    public TimeSpan ReconnectGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRpcBytes, RpcFormat.ServerHeaderSize + 1, nameof(MaxRpcBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(RatePerSecond, nameof(RatePerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(Burst, 1, nameof(Burst));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxHeldRpcs, nameof(MaxHeldRpcs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHoldTime, TimeSpan.Zero, nameof(MaxHoldTime));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectGracePeriod, TimeSpan.Zero, nameof(ReconnectGracePeriod));
    }
}
