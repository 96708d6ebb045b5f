using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// <see cref="MigrationOptions"/> and the connect tokens' timeouts share the bounds the options audit gave the transport and
/// the replication (a connection's timeout at most a day, a tick rate at most 1,000, a grace period at most a day). Before,
/// a migrating peer took any of them, and its <see cref="MigrationOptions.Replication"/> was first checked by nothing: a bad
/// value would have surfaced only when a successor began to host, after the old host was gone.
/// </summary>
public sealed class MigrationOptionsBoundsTests : IDisposable
{
    private readonly List<World> worlds = [];

    /// <summary>Disposes the worlds the peers were made in.</summary>
    public void Dispose()
    {
        foreach (var world in worlds) world.Dispose();
    }

    public static TheoryData<string, object> BadValues => new()
    {
        { nameof(MigrationOptions.TickRate), ServerReplicationOptions.TickRateLimit + 1 },
        { nameof(MigrationOptions.TimeoutSeconds), 86_401 },
        { nameof(MigrationOptions.TimeoutSeconds), int.MaxValue },
        { nameof(MigrationOptions.ReconnectGrace), TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
        { nameof(MigrationOptions.ReconnectGrace), TimeSpan.MaxValue },
        // Failed before (review44): taken, and a host giving way then threw OverflowException doubling HostSilence.
        { nameof(MigrationOptions.HostSilence), TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
        { nameof(MigrationOptions.HostSilence), TimeSpan.MaxValue },
        { nameof(MigrationOptions.ReconnectTimeout), TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_value_past_its_bound_is_refused_when_the_peer_is_made(string option, object value)
    {
        var options = new MigrationOptions { ProtocolId = 7 };
        typeof(MigrationOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => Make(options));
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void A_bad_replication_setting_is_refused_when_a_joining_peer_is_made()
    {
        var options = new MigrationOptions { ProtocolId = 7, Replication = new ServerReplicationOptions { MaxSnapshotBytes = int.MaxValue } };

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => Make(options));
        Assert.Equal(nameof(ServerReplicationOptions.MaxSnapshotBytes), refused.ParamName);
    }

    [Theory]
    [InlineData(86_401)]
    [InlineData(int.MaxValue)]
    public void A_token_timeout_past_a_day_is_refused(int seconds)
    {
        var issuer = new ConnectTokenIssuer(new byte[32], 7);
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => issuer.Issue(1, [], TimeSpan.FromSeconds(30), [NetAddress.Parse("127.0.0.1:40000")], seconds));
        Assert.Equal("timeoutSeconds", refused.ParamName);

        var directory = new SessionTokenOptions { ServerKey = new byte[32], ProtocolId = 7, ConnectionTimeoutSeconds = seconds };
        Assert.Equal(nameof(SessionTokenOptions.ConnectionTimeoutSeconds), Assert.Throws<ArgumentOutOfRangeException>(directory.Validate).ParamName);
    }

    /// <summary>Failed before (review44): a join's token could be usable for any time, past the hour a client tries to connect.</summary>
    [Fact]
    public void A_join_token_lifetime_past_the_connect_timeout_limit_is_refused()
    {
        var tooLong = new SessionTokenOptions { ServerKey = new byte[32], ProtocolId = 7, TokenLifetime = NetClientOptions.ConnectTimeoutLimit + TimeSpan.FromTicks(1) };
        Assert.Equal(nameof(SessionTokenOptions.TokenLifetime), Assert.Throws<ArgumentOutOfRangeException>(tooLong.Validate).ParamName);
        new SessionTokenOptions { ServerKey = new byte[32], ProtocolId = 7, TokenLifetime = NetClientOptions.ConnectTimeoutLimit }.Validate();
    }

    [Fact]
    public void The_bounds_themselves_are_taken()
    {
        var issuer = new ConnectTokenIssuer(new byte[32], 7);
        Assert.Equal(ConnectTokenIssuer.TokenSize, issuer.Issue(1, [], TimeSpan.FromSeconds(30), [NetAddress.Parse("127.0.0.1:40000")], 86_400).Length);
        new SessionTokenOptions { ServerKey = new byte[32], ProtocolId = 7, ConnectionTimeoutSeconds = 86_400 }.Validate();
        using var peer = Make(new MigrationOptions
        {
            ProtocolId = 7,
            TickRate = ServerReplicationOptions.TickRateLimit,
            TimeoutSeconds = 86_400,
            ReconnectGrace = ReconnectGrace.PeriodLimit,
            HostSilence = NetPeerOptions.TimeoutLimit,
            ReconnectTimeout = NetPeerOptions.TimeoutLimit,
            Replication = new ServerReplicationOptions { TickRate = ServerReplicationOptions.TickRateLimit },
        });
    }

    private MigratingPeer Make(MigrationOptions options)
    {
        var network = new InMemoryNetwork();
        var world = World.Create();
        worlds.Add(world);
        return new MigratingPeer(world, ReplicationWorld.Registry, 1, network.CreateTransport(), network.CreateTransport(), options, _ => [], _ => []);
    }
}
