namespace Traktor.Ecs.Net.Prediction;

/// <summary>
/// How fast the server's ticks really advance against the client's own clock, from the ticks stamped on
/// snapshots. A server whose loop cannot keep its nominal rate (an overloaded machine) ticks slower than real
/// time; a client that predicts at the nominal rate then runs ahead by the difference every second, faster than
/// any small time dilation can take back. Predicting at the measured rate removes that drift; dilation only trims
/// the buffer. The client's side is counted in the ticks its clock really produced at rate 1 (time a stall made
/// it drop is not counted), so stalls that hit both ends alike do not look like a slow server.
/// </summary>
internal sealed class ServerPace
{
    /// <summary>The window over which the rate is measured: long enough that jitter moves it by about 1 %.</summary>
    private const double WindowTicks = 120;

    private const double Smoothing = 0.5;
    private bool started;
    private double windowStart;
    private uint windowTick;

    /// <summary>Server ticks per client clock tick at rate 1: 1 for a server on time, 0.67 for one at 40 of 60 Hz.</summary>
    public double Scale { get; private set; } = 1.0;

    /// <summary>Notes the newest snapshot tick seen when the client's clock had produced <paramref name="clientTicks"/>.</summary>
    /// <param name="newestTick">The newest server tick received.</param>
    /// <param name="clientTicks">Ticks of time the client's clock consumed so far, unscaled.</param>
    public void Observe(uint newestTick, double clientTicks)
    {
        if (!started)
        {
            started = true;
            windowStart = clientTicks;
            windowTick = newestTick;
            return;
        }

        double elapsed = clientTicks - windowStart;
        if (elapsed < WindowTicks)
        {
            return;
        }

        double measured = (int)(newestTick - windowTick) / elapsed;
        Scale = Math.Clamp(Scale + ((measured - Scale) * Smoothing), 0.5, 1.5);
        windowStart = clientTicks;
        windowTick = newestTick;
    }

    /// <summary>Forgets the measurement (a new connection is a new server).</summary>
    public void Reset()
    {
        started = false;
        Scale = 1.0;
    }
}
