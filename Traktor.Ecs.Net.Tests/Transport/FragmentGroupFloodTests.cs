using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Unreliable fragments that each start a new group and never complete (attack review 16): starting a group costs the
/// server work in proportion to its fragment count (227 at the largest message), and a group that never completes was
/// counted by no budget, so 128 such records in each of a connection's 128 datagrams an update kept the server busy for
/// most of a tick (13.8 ms an update measured in a Debug build) and were never a violation. Group starts now count
/// against the connection's per-update message budget.
/// </summary>
public class FragmentGroupFloodTests
{
    private const int RecordsPerPacket = 128;

    /// <summary>An ack header acknowledging nothing, then 128 one-byte Unreliable fragments, each the first of 227 of a new group.</summary>
    private static byte[] NewGroups(ref ushort group)
    {
        var payload = new byte[3 + RecordsPerPacket * 9];
        payload[0] = 0x00;
        payload[1] = 0xFF;
        payload[2] = 0xFF;
        for (int i = 0, at = 3; i < RecordsPerPacket; i++, at += 9)
        {
            payload[at] = 0x04 | 0x08; // Unreliable, fragment, one-byte length
            payload[at + 1] = 1;
            payload[at + 2] = (byte)group;
            payload[at + 3] = (byte)(group++ >> 8);
            payload[at + 4] = 0; // index 0
            payload[at + 5] = 0;
            payload[at + 6] = 227; // of 227
            payload[at + 7] = 0;
            payload[at + 8] = 0x5A;
        }

        return payload;
    }

    [Fact]
    public void Fragments_that_each_start_a_group_are_over_budget_and_the_sender_is_disconnected()
    {
        using var h = new TransportHarness();
        var honest = h.Connect(1);
        using var abuser = HostilePeer.Connect(h, 2);
        h.Clients.Remove(abuser.Client);
        h.Disposables.Add(abuser.Client);
        h.DrainServer();
        ushort group = 1;
        DisconnectReason? end = null;
        int updates = 0, honestMessages = 0;
        var message = new byte[3_000]; // three fragments
        for (; updates < 60 && end is null; updates++)
        {
            for (int d = 0; d < 128; d++) abuser.Send(abuser.Seal(NewGroups(ref group)));
            Assert.Equal(SendResult.Queued, honest.Send(ChannelKind.Unreliable, message));
            h.Step();
            foreach (var e in h.DrainServer())
            {
                if (e.Type == NetEventType.Disconnected && e.ClientId == 2) end = e.Reason;
                if (e.Type == NetEventType.Message && e.ClientId == 1) honestMessages++;
            }
        }

        // Before: still connected after 60 updates of 16,384 new groups each, none of them a violation.
        Assert.True(end is not null, "the sender of 16,384 new fragment groups an update is still connected");
        Assert.Equal(DisconnectReason.ProtocolViolation, end);
        // 15,360 groups refused an update, fifteen updates' worth of the budget: fifteen violations (the most one update
        // counts), so the second update closes it.
        Assert.InRange(updates, 2, 3);
        Assert.True(h.Server.Counters.MessagesOverBudget > 0);
        Assert.Equal(ClientState.Connected, honest.State);
        Assert.True(honestMessages >= updates - 2, $"{honestMessages} of the honest client's {updates} fragmented messages arrived");
    }
}
