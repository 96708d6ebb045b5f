using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>Per-connection input statistics on the server.</summary>
public sealed class InputCounters
{
    /// <summary>Inputs accepted.</summary>
    public long Accepted { get; internal set; }

    /// <summary>Inputs rejected by validation.</summary>
    public long Invalid { get; internal set; }

    /// <summary>Inputs that arrived after their tick was simulated.</summary>
    public long Late { get; internal set; }

    /// <summary>
    /// Inputs that arrived further ahead of their tick than the server holds (the client runs too far ahead); the
    /// status the server sends back tells the client to step back.
    /// </summary>
    public long Early { get; internal set; }

    /// <summary>Ticks simulated with a fresh input for that tick.</summary>
    public long Used { get; internal set; }

    /// <summary>Ticks simulated without a fresh input (the last one was repeated).</summary>
    public long Missing { get; internal set; }

    /// <summary>Messages that were malformed.</summary>
    public long Malformed { get; internal set; }

    /// <summary>
    /// Input status messages (0x71) sent to the client on their own: only on ticks whose snapshot did not carry the
    /// status in its header (nothing to replicate, or no input yet; docs/PROTOCOL.md §10.4).
    /// </summary>
    public long StatusMessages { get; internal set; }

    /// <summary>
    /// The counts as one line: "inputs accepted 600, invalid 0, late 3, early 0, malformed 0; ticks with input 598,
    /// without 2" (input commands, then simulated ticks).
    /// </summary>
    /// <returns>The counts.</returns>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"inputs accepted {Accepted:N0}, invalid {Invalid:N0}, late {Late:N0}, early {Early:N0}, malformed {Malformed:N0}; ticks with input {Used:N0}, without {Missing:N0}");
}
