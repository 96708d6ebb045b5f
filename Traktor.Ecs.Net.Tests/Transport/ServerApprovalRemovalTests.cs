using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="NetServer.AddApproval"/>: every approval (the options' and each added one) must admit a connection, and
/// disposing the handle removes exactly that approval, so an ended relay stops deciding.
/// </summary>
public sealed class ServerApprovalRemovalTests
{
    [Fact]
    public void All_approvals_must_admit_and_a_disposed_one_no_longer_decides()
    {
        using var h = new TransportHarness(configure: o => o.ApproveConnection = (_, data, _) => data[0] != 0);
        var onlyOne = h.Server.AddApproval((_, data, _) => data[0] == 1);
        var notTwo = h.Server.AddApproval((_, data, _) => data[0] != 2);

        Assert.Equal(DisconnectReason.Rejected, Attempt(h, 1, [0]).LastDisconnectReason); // the options' refuses
        Assert.Equal(DisconnectReason.Rejected, Attempt(h, 2, [2]).LastDisconnectReason); // both added refuse
        Assert.Equal(DisconnectReason.Rejected, Attempt(h, 3, [3]).LastDisconnectReason); // the first added refuses
        Assert.Equal(ClientState.Connected, Attempt(h, 4, [1]).State);

        onlyOne.Dispose();
        onlyOne.Dispose(); // again: nothing more is removed
        Assert.Equal(1, h.Server.AddedApprovals);
        Assert.Equal(ClientState.Connected, Attempt(h, 5, [3]).State);
        Assert.Equal(DisconnectReason.Rejected, Attempt(h, 6, [2]).LastDisconnectReason); // the other stays
        Assert.Equal(DisconnectReason.Rejected, Attempt(h, 7, [0]).LastDisconnectReason); // and the options' always asks

        notTwo.Dispose();
        Assert.Equal(0, h.Server.AddedApprovals);
        Assert.Equal(ClientState.Connected, Attempt(h, 8, [2]).State);
    }

    [Fact]
    public void The_same_approval_added_twice_is_removed_once_per_handle()
    {
        using var h = new TransportHarness();
        ConnectionApproval refuse = (_, _, _) => false;
        var once = h.Server.AddApproval(refuse);
        var twice = h.Server.AddApproval(refuse);
        once.Dispose();
        Assert.Equal(DisconnectReason.Rejected, Attempt(h, 1, [1]).LastDisconnectReason);
        twice.Dispose();
        Assert.Equal(ClientState.Connected, Attempt(h, 2, [1]).State);
    }

    private static NetClient Attempt(TransportHarness h, ulong clientId, byte[] userData)
    {
        var client = h.AddClient(seed: 3 + h.Clients.Count);
        client.Connect(h.IssueToken(clientId, userData));
        h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600);
        return client;
    }
}
