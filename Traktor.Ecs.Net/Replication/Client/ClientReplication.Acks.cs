using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>The acknowledgement message, and the corrections owed after a dropped snapshot.</summary>
public sealed partial class ClientReplication
{
    /// <summary>
    /// True when an acknowledgement message should be sent now: after this client dropped a snapshot whose packet the
    /// transport acknowledged, the server must learn that it was not applied, once (drops while it is owed ride in it),
    /// paced by <see cref="CorrectionPacer"/> (a few per second at most). The network plugin sends <see cref="WriteAck"/>
    /// then, on a reliable channel: a correction must never be lost for good (docs/PROTOCOL.md §10.2).
    /// </summary>
    /// <param name="localSeconds">The local time (any monotonic clock in seconds).</param>
    internal bool TakeCorrection(double localSeconds) => corrections.TryTake(localSeconds);

    private void OweCorrection()
    {
        corrections.Owe();
        Counters.Corrections++;
    }

    /// <summary>
    /// Writes the acknowledgement message (13 bytes): the newest snapshot tick this client was handed, applied or
    /// dropped, and which of it and the 63 ticks before it were applied (docs/PROTOCOL.md §10.2).
    /// </summary>
    /// <param name="destination">At least 13 bytes.</param>
    /// <returns>The bytes written, or 0 before the first snapshot.</returns>
    public int WriteAck(Span<byte> destination)
    {
        if (!hasHanded || destination.Length < 13)
        {
            return 0;
        }

        ulong applied = 0;
        for (int age = 0; age < 64 && hasReceived; age++)
        {
            if (IsReceived(newestHanded - (uint)age))
            {
                applied |= 1UL << age;
            }
        }

        destination[0] = SnapshotFormat.AckMessage;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], newestHanded);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[5..], applied);
        return 13;
    }

    /// <summary>Remembers the newest tick of a snapshot handed to this client (to be applied, or dropped).</summary>
    private void Handed(uint tick)
    {
        if (!hasHanded || (int)(tick - newestHanded) > 0)
        {
            newestHanded = tick;
            hasHanded = true;
        }
    }
}
