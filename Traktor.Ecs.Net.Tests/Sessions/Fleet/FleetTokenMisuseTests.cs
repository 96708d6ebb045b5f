using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// Every game server of a fleet opens connect tokens with the same key, so only the addresses a token names tell which
/// server it was issued for. A player who takes the token it was given for server A to server B must be refused there,
/// even when B's router was set up without <see cref="NetServerOptions.PublicAddresses"/>.
/// </summary>
public class FleetTokenMisuseTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_for_one_game_server_opens_nothing_on_another_server_of_the_fleet()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var a = await rig.StartServerWithoutPublicAddressesAsync(directory.Node);
        var b = await rig.StartServerWithoutPublicAddressesAsync(directory.Node);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("on a", 4), Cancel);
        var (issuedFor, elsewhere) = session.ServerId == a.Id ? (a, b) : (b, a);
        long userId = (await directory.Node.Authentication.RegisterAsync("wanderer", "correct horse battery", Cancel)).UserId;
        var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, join.Status);

        // The hostile client sends the token's connection request to the other server instead of the one it names.
        var socket = new Redirect(rig.Network.CreateTransport(), issuedFor.Transport.LocalAddress, elsewhere.Transport.LocalAddress);
        var player = rig.AddPlayer(userId, socket);
        player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        await rig.TickUntilAsync(() => player.State is ClientState.Connected or ClientState.Disconnected, 600);

        Assert.NotEqual(ClientState.Connected, player.State);
        Assert.Empty(elsewhere.Host.Sessions); // before: the other server opened the session from the ticket and seated the player
        Assert.Empty(elsewhere.Worlds);
        Assert.Equal(0, elsewhere.Router.Server.ConnectionCount);
    }

    /// <summary>Sends what is addressed to <paramref name="from"/> to <paramref name="to"/>, and shows <paramref name="to"/>'s answers as <paramref name="from"/>'s.</summary>
    private sealed class Redirect(IDatagramTransport inner, NetAddress from, NetAddress to) : IDatagramTransport
    {
        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => inner.TrySend(datagram, destination == from ? to : destination);

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            if (!inner.TryReceive(buffer, out length, out source)) return false;
            if (source == to) source = from;
            return true;
        }

        public void Dispose() => inner.Dispose();
    }
}
