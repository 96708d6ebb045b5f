using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A peer that lies about loss with its acks (attack review 17). It acknowledges the server's packets that carry no
/// reliable message (an ack or keep-alive, told apart by their size even when sealed) and none of those that do, so every
/// packet of reliable messages is declared lost by the later acknowledgement (docs/TRANSPORT.md, "Loss") and resent at
/// once; every few seconds it acknowledges one packet of reliable messages, so the overdue cut never fires.
/// </summary>
public class ForgedLossTests
{
    private const int Messages = 64;
    private const int MessageBytes = 1_000;

    [Fact]
    public void Acknowledging_only_what_carries_no_reliable_message_does_not_make_the_server_resend_at_full_rate()
    {
        using var h = new TransportHarness();
        h.ServerWire.Enabled = true;
        using var liar = HostilePeer.Connect(h, 2);
        h.Clients.Remove(liar.Client);
        h.Disposables.Add(liar.Client);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < Messages; i++) Assert.Equal(SendResult.Queued, h.Server.Send(id, ChannelKind.ReliableOrdered, new byte[MessageBytes]));

        int seen = 0;
        ulong expected = 0;
        long bytesToLiar = 0;
        DisconnectReason? end = null;
        const int Steps = 60 * 60;   // a minute at 60 Hz
        int step = 0;
        ushort? newestLarge = null;
        for (; step < Steps && end is null; step++)
        {
            h.Step();
            ushort? newestSmall = null;
            for (; seen < h.ServerWire.Sent.Count; seen++)
            {
                var (data, peer) = h.ServerWire.Sent[seen];
                if (peer != liar.Address || (PacketType)(data[0] & PacketLayout.TypeMask) != PacketType.Payload) continue;
                Assert.True(SealedPacket.TryReadHeader(data, out ulong low, out int headerLength));
                ulong sequence = SealedPacket.Expand(low, headerLength - 1, expected);
                expected = sequence + 1;
                bytesToLiar += data.Length;
                if (data.Length < 200) newestSmall = (ushort)sequence;
                else newestLarge = (ushort)sequence;
            }
            // Every 9 s one packet of reliable messages is acknowledged (progress); otherwise only the newest small one.
            ushort? ack = step % 540 == 539 ? newestLarge : newestSmall;
            if (ack is { } named) liar.Send(liar.Seal(AckOnly(named)));
            foreach (var e in h.DrainServer())
            {
                if (e.Type == NetEventType.Disconnected) end = e.Reason;
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{bytesToLiar:N0} bytes sent to the liar in {step / 60.0:F1} s ({end?.ToString() ?? "connected"})");
        // Held (measured 1.45 MB in the minute, 1,390 resends: the window is not grown by the lies, and is paced); at
        // MaxPacketsPerUpdate an update the minute would carry 276 MB. The bound is 40 rounds of the queued messages.
        Assert.True(bytesToLiar < 40L * Messages * (MessageBytes + 64), $"{bytesToLiar:N0} bytes sent to the liar in {step / 60.0:F1} s for {Messages * MessageBytes:N0} queued ({end?.ToString() ?? "still connected"})");
        Assert.Equal(0, h.Server.Counters.InternalErrors);
    }

    /// <summary>An ack header naming <paramref name="ack"/> alone (the literal form, none of the 32 before it).</summary>
    private static byte[] AckOnly(ushort ack)
    {
        var header = new byte[AckHeader.MaxSize];
        header[0] = AckHeader.Literal;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(1), ack);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(3), 0);
        return header;
    }
}
