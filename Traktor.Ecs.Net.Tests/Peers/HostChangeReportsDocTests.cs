using System.Collections.Concurrent;
using System.Reflection;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Docs;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// docs/P2P.md's <see cref="MigratingPeer.HostChanged"/> handler (<c>HostChangeReports</c>, compiled from the Markdown and
/// run) tells the directory what each host change is: a peer elected claims the session, a peer that reached the elected
/// successor reports its host lost, and a peer that followed the recorded host, or was handed over to it when its own host
/// gave way, reports nothing (<see cref="MigratingPeer.LastHostChange"/>). Before, the example reported every new host but
/// the player itself as lost: a follow or a handover counted toward the recorded host's own successor's early takeover.
/// </summary>
public sealed class HostChangeReportsDocTests
{
    [Fact]
    public void The_P2P_md_handler_claims_when_elected_reports_a_lost_host_and_reports_no_followed_or_handed_over_host()
    {
        var (assembly, context) = SnippetCompiler.Load(Block("class HostChangeReports"));
        try
        {
            Play(assembly.GetType("HostChangeReports") ?? throw new InvalidOperationException("docs/P2P.md has no HostChangeReports."));
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// Peer 1 hosts 2, 3 and 4. It dies while peer 2 is frozen: 3 hosts (elected) and 4 reaches it (its host lost). Peer 2
    /// comes back and hosts too, as the host the directory records: 3 follows it, and 4 is handed over to it.
    /// </summary>
    private static void Play(Type reports)
    {
        using var game = new MigrationGame(4, new LinkConditions(), seed: 25);
        var (host, heir, rival, player) = (game.Peers[0], game.Peers[1], game.Peers[2], game.Peers[3]);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 3)
            && game.Peers.All(p => Count<ShipBody>(p.World) == 4 && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 30), game.Describe());
        var session = SessionId.New();
        var told = new Dictionary<MigrationPlayer, ConcurrentQueue<string>>();
        foreach (var peer in new[] { heir, rival, player })
        {
            var directory = DispatchProxy.Create<IPlayerHostedSessions, RecordingDirectory>();
            told[peer] = ((RecordingDirectory)(object)directory).Calls;
            object listener = Activator.CreateInstance(reports, peer.Peer, directory, session, (long)peer.Peer.ClientId, new byte[32])!;
            reports.GetMethod("Listen")!.Invoke(listener, null);
        }

        game.Killed.Add(host);
        game.Killed.Add(heir);
        Assert.True(game.TickUntil(() => rival.Peer.IsHost && player.Peer.Role == MigrationRole.Client && player.Peer.HostClientId == rival.Peer.ClientId,
            60 * 15), game.Describe());
        Assert.Equal(HostChangeCause.HostLost, rival.Peer.LastHostChange);
        Assert.Equal(HostChangeCause.HostLost, player.Peer.LastHostChange);
        Assert.Equal([nameof(IPlayerHostedSessions.ClaimHostAsync)], told[rival]);
        Assert.Equal([nameof(IPlayerHostedSessions.ReportHostLostAsync)], told[player]);

        game.Killed.Remove(heir);
        Assert.True(game.TickUntil(() => heir.Peer.IsHost, 60 * 5), game.Describe());
        Assert.Equal([nameof(IPlayerHostedSessions.ClaimHostAsync)], told[heir]);

        // The directory refused the rival's claim (host-changed, peer 2 recorded): it follows peer 2, and its player is
        // handed over. Neither host is lost: nothing more reaches the directory.
        Assert.True(rival.Peer.TryFollowHost(heir.Peer.ClientId));
        Assert.True(game.TickUntil(() => new[] { rival, player }.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.HostClientId == heir.Peer.ClientId),
            60 * 10), game.Describe());
        Assert.Equal(HostChangeCause.Followed, rival.Peer.LastHostChange);
        Assert.Equal(HostChangeCause.HostGaveWay, player.Peer.LastHostChange);
        Assert.Equal([nameof(IPlayerHostedSessions.ClaimHostAsync)], told[rival]);
        Assert.Equal([nameof(IPlayerHostedSessions.ReportHostLostAsync)], told[player]);
        Assert.Equal([nameof(IPlayerHostedSessions.ClaimHostAsync)], told[heir]);
    }

    /// <summary>The one compiled C# block of docs/P2P.md containing <paramref name="marker"/>.</summary>
    private static string Block(string marker)
    {
        string root = DocsCompileTests.RepositoryRoot();
        return MarkdownCodeBlocks.Parse("docs/P2P.md", File.ReadAllText(Path.Combine(root, "docs", "P2P.md")))
            .Single(b => b.IsCSharp && !b.IsFragment && b.Code.Contains(marker, StringComparison.Ordinal)).Code;
    }

    /// <summary>A directory that records what it is asked and refuses every claim (the test needs no grant).</summary>
    public class RecordingDirectory : DispatchProxy
    {
        /// <summary>The names of the methods called, in order.</summary>
        public ConcurrentQueue<string> Calls { get; } = new();

        /// <inheritdoc />
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var method = targetMethod ?? throw new ArgumentNullException(nameof(targetMethod));
            Calls.Enqueue(method.Name);
            var type = method.ReturnType;
            if (type == typeof(Task))
            {
                return Task.CompletedTask;
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
            {
                var refused = new OnlineException(OnlineError.NotFound, "A recording directory grants nothing.");
                return typeof(Task).GetMethods().Single(m => m.Name == nameof(Task.FromException) && m.IsGenericMethod)
                    .MakeGenericMethod(type.GetGenericArguments()[0]).Invoke(null, [refused]);
            }

            throw new NotSupportedException(method.Name);
        }
    }
}
