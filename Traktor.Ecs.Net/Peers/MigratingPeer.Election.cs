using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net;

/// <summary>
/// The election: the host is gone, and every peer picks the same successor from the same plan, the first candidate not
/// known to have failed; the successor promotes itself, the others connect to it, one attempt at a time.
/// </summary>
public sealed partial class MigratingPeer
{
    /// <summary>The candidates of this election known to have failed (the departed host, successors that did not answer).</summary>
    private readonly HashSet<ulong> failed = new();

    /// <summary>The candidate this peer is connecting to, with the plan's token for it.</summary>
    private (ulong ClientId, byte[] Token) electing;

    /// <summary>When the attempt on <see cref="electing"/> began.</summary>
    private long attemptStartedAt;

    /// <summary>The host is gone: every peer starts the same election from the same plan.</summary>
    private void BeginMigration(long now)
    {
        hostLost = false;
        lostAt = now;
        LostHostClientId = HostClientId;
        Migrations++;
        failed.Clear();
        lostPlan = plan;
        lostPlanReached = null; // set once the election reaches a successor
        lostPlanAt = planReceivedAt;
        if (plan is null)
        {
            logger.LogWarning("Peer {Peer} lost its host before it had a migration plan; it leaves the game.", ClientId);
            Out(MigrationOutReason.NoPlan);
            return;
        }

        failed.Add(plan.Host);
        logger.LogInformation("Peer {Peer} lost host {Host}; electing from {Candidates}.", ClientId, plan.Host, string.Join(",", plan.Candidates.Select(c => c.ClientId)));
        Elect(now);
    }

    /// <summary>The first candidate not known to have failed: this peer itself (promote) or another (connect with its token).</summary>
    private void Elect(long now)
    {
        foreach (var (clientId, _, token) in plan!.Candidates)
        {
            if (failed.Contains(clientId)) continue;
            if (clientId == ClientId && !followingLostPlan)
            {
                Promote(now);
                return;
            }

            if (clientId == ClientId) continue; // following a host that gave way: this peer never hosts beside the recorded one

            if (token.Length == 0)
            {
                failed.Add(clientId);
                continue;
            }

            electing = (clientId, token);
            attemptStartedAt = now;
            attemptFailed = false;
            attemptOtherVersion = false; // a successor of another version is passed over like one that refused (MigrationOutReason.ProtocolVersionMismatch)
            Role = MigrationRole.Reconnecting;
            netClient!.Connect(token);
            return;
        }

        if (followingLostPlan)
        {
            logger.LogWarning("Peer {Peer} reached none of the successors its host gave way to; the game follows the recorded host.", ClientId);
            Out(MigrationOutReason.HostGaveWay);
            return;
        }

        logger.LogWarning("Peer {Peer} found no reachable successor; it leaves the game.", ClientId);
        Out(MigrationOutReason.NoSuccessor);
    }
}
