namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// Which of the peer's packets arrived, as the newest 16-bit sequence plus 32 bits for the ones before it:
/// every packet we send repeats this, so one lost ack is covered by the next 32 packets.
/// </summary>
internal sealed class ReceivedPackets
{
    private bool _any;

    /// <summary>
    /// The newest packet received; before the first, 65,535: the packet "before" the peer's first (its sequences start
    /// at 0), which it does not send for 65,535 more packets. Starting at 0 would acknowledge the peer's first packet before
    /// it arrived, and a reliable message in it, if that packet was lost, would never be sent again.
    /// </summary>
    public ushort Latest { get; private set; } = ushort.MaxValue;

    /// <summary>Bit i set ⇔ packet (<see cref="Latest"/> − 1 − i) arrived, or was never sent (numbers "before" 0).</summary>
    public uint Bits { get; private set; } = uint.MaxValue;

    public void Record(ushort sequence)
    {
        if (!_any)
        {
            // The peer's sequences start at 0, so its packets "before" 0 (65,535 and down) were never sent: acknowledging
            // them costs nothing (nothing of ours is recorded under those numbers) and keeps the ack bits all set, the
            // 3-byte header form, while the first 32 packets arrive (docs/PROTOCOL.md §6).
            _any = true;
            Latest = sequence;
            Bits = sequence < 32 ? uint.MaxValue << sequence : 0;
            return;
        }
        int distance = Sequence.Difference(sequence, Latest);
        if (distance > 0)
        {
            Bits = distance > 32 ? 0 : (uint)(((ulong)Bits << distance) | (1UL << (distance - 1)));
            Latest = sequence;
        }
        else if (distance < 0 && distance >= -32)
        {
            Bits |= 1u << (-distance - 1);
        }
    }
}
