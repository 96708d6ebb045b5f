using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>RPC counts of one connection or of a whole peer. Read on the tick thread.</summary>
public sealed class RpcCounters
{
    private readonly long[] dropped = new long[Enum.GetValues<RpcDropReason>().Length];

    /// <summary>RPC messages handed to the transport.</summary>
    public long Sent { get; internal set; }

    /// <summary>RPCs that became entities.</summary>
    public long Received { get; internal set; }

    /// <summary>RPCs a client released without the snapshot they were sent after (it was lost and not seen again in time, or too many were held).</summary>
    public long ReleasedEarly { get; internal set; }

    /// <summary>Every drop, whatever the reason.</summary>
    public long Dropped => dropped.Sum();

    /// <summary>Drops for one reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count.</returns>
    public long DroppedFor(RpcDropReason reason) => dropped[(int)reason];

    /// <summary>Counts a drop.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The new count for that reason.</returns>
    internal long CountDrop(RpcDropReason reason) => ++dropped[(int)reason];

    /// <summary>The counts as one line: "sent 12, received 30, released early 0, dropped 2 (NotAllowed 2)" (drops by reason only when there are any).</summary>
    /// <returns>The counts.</returns>
    public override string ToString()
    {
        var reasons = string.Join(", ", Enum.GetValues<RpcDropReason>().Where(r => dropped[(int)r] > 0).Select(r => $"{r} {dropped[(int)r]}"));
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"sent {Sent}, received {Received}, released early {ReleasedEarly}, dropped {Dropped}{(reasons.Length > 0 ? $" ({reasons})" : "")}");
    }
}
