namespace Traktor.Ecs.Net;

/// <summary>
/// What one connection may send of one message kind, enforced by <see cref="NetworkServer"/> before the kind's
/// handler runs: messages longer than <paramref name="MaxBytes"/> are dropped and count as a protocol violation;
/// messages beyond a token bucket of <paramref name="PerSecond"/> (server ticks stand for time, at
/// <see cref="ServerReplicationOptions.TickRate"/>) with room for <paramref name="Burst"/> are
/// dropped, and a tick in which any was dropped counts one violation per tick's worth of the rate it dropped (rounded up;
/// one per message when the rate is under a message a tick), so a flood that arrives bunched counts as the ticks of flood
/// it is. A connection with 16 violations (one forgiven per 4 clean ticks) is disconnected with
/// <see cref="DisconnectReason.ProtocolViolation"/>.
/// </summary>
/// <param name="MaxBytes">The longest message accepted, its kind byte included.</param>
/// <param name="PerSecond">Messages per second a connection may send, sustained.</param>
/// <param name="Burst">Messages a connection may send at once after a quiet spell (at least 1).</param>
public readonly record struct MessageBudget(int MaxBytes, double PerSecond, double Burst)
{
    /// <summary>
    /// The budget of a kind registered without one (an application's own messages): any length the transport delivers,
    /// 600 per second, bursts of 1,200.
    /// </summary>
    public static MessageBudget Default { get; } = new(int.MaxValue, 600, 1200);

    internal void Validate()
    {
        if (MaxBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxBytes));
        if (!(PerSecond > 0) || double.IsInfinity(PerSecond)) throw new ArgumentOutOfRangeException(nameof(PerSecond));
        if (!(Burst >= 1) || double.IsInfinity(Burst)) throw new ArgumentOutOfRangeException(nameof(Burst));
    }
}
