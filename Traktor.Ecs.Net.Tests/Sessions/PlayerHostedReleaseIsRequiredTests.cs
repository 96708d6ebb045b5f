using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// <see cref="IPlayerHostedSessions.ReleaseHostAsync"/> is part of every directory's contract: a migration gives the session
/// back through it when a takeover fails or a successor quits before hosting. Before, the interface's default threw
/// Unavailable, so a directory that did not override it compiled and then left the next successor waiting out a silence.
/// </summary>
public sealed class PlayerHostedReleaseIsRequiredTests
{
    [Fact]
    public void Every_player_hosted_directory_must_implement_giving_the_host_back()
    {
        var release = typeof(IPlayerHostedSessions).GetMethod(nameof(IPlayerHostedSessions.ReleaseHostAsync))!;
        Assert.True(release.IsAbstract, "IPlayerHostedSessions.ReleaseHostAsync has a default body: a directory need not implement it");

        // The shipped directories implement it themselves.
        foreach (var type in new[] { typeof(SessionDirectory), typeof(HttpSessions) })
        {
            var map = type.GetInterfaceMap(typeof(IPlayerHostedSessions));
            int index = Array.IndexOf(map.InterfaceMethods, release);
            Assert.Equal(type, map.TargetMethods[index].DeclaringType);
        }
    }
}
