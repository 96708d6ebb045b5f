namespace Traktor.Ecs.Net.Peers;

/// <summary>
/// How long a peer following a lost plan waits for a successor's first answer before it takes it for dead
/// (<see cref="MigratingPeer"/>, docs/P2P.md "Host migration (listen server)"). A live successor answers a connection
/// request with a challenge; the client repeats the request every <see cref="NetClientOptions.HandshakeResendInterval"/>, so
/// the successor stays silent for n requests only when each request or its challenge was lost: with loss <c>l</c> each way,
/// probability <c>(1 - (1 - l)²)ⁿ</c>. A fixed window of <see cref="MigrationOptions.HostSilence"/> (1 s, ~10 requests) would
/// pass a live successor 0.75¹⁰ ≈ 5.6 % of the time at 50 % loss. The window is long enough for <see cref="FalsePass"/> at the
/// loss the peer measured on its last link, never shorter than the host silence (no loss: the host silence) nor longer than
/// <see cref="MigrationOptions.ReconnectTimeout"/> (the wait for any candidate).
/// </summary>
internal static class SuccessorSilence
{
    /// <summary>The chance, at the measured loss, that a live successor's answers are all lost within the window.</summary>
    public const double FalsePass = 0.001;

    /// <summary>The highest loss the window is computed for (beyond it the window is the reconnect timeout anyway).</summary>
    private const double MaxLoss = 0.95;

    /// <summary>The silence after which a successor that answered no request is passed.</summary>
    /// <param name="loss">The packet loss measured on the peer's last link, 0..1 (<see cref="NetStats.PacketLossPercent"/> / 100).</param>
    /// <param name="options">The peer's settings (<see cref="MigrationOptions.HostSilence"/>, <see cref="MigrationOptions.ReconnectTimeout"/>).</param>
    /// <param name="resendInterval">How often the client repeats its connection request.</param>
    public static TimeSpan Window(double loss, MigrationOptions options, TimeSpan resendInterval)
    {
        double l = double.IsNaN(loss) ? 0 : Math.Clamp(loss, 0, MaxLoss);
        double unanswered = 1 - ((1 - l) * (1 - l)); // the request or its challenge lost
        var window = options.HostSilence;
        if (unanswered > 0)
        {
            // One request more than the bare count: ticks round the resend interval up.
            double requests = Math.Ceiling(Math.Log(FalsePass) / Math.Log(unanswered)) + 1;
            var needed = TimeSpan.FromTicks((long)Math.Min(requests * resendInterval.Ticks, TimeSpan.MaxValue.Ticks / 2));
            if (needed > window) window = needed;
        }

        return window < options.ReconnectTimeout ? window : options.ReconnectTimeout;
    }
}
