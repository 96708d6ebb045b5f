using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>Reaching a session through the directory while its player host has not published its address yet.</summary>
public sealed partial class Multiplayer
{
    /// <summary>The directory's join, waited out while unavailable for up to <see cref="MultiplayerOptions.JoinWait"/>.</summary>
    private async Task<SessionJoinResult> JoinWhenReachableAsync(SessionId id, long user, CancellationToken cancellationToken)
    {
        using var waited = new CancellationTokenSource(options.JoinWait, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, waited.Token);
        try
        {
            return await sessions.JoinWhenReachableAsync(id, user, time, either.Token).ConfigureAwait(false);
        }
        catch (OnlineException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken); // the caller gave up while the directory said "not yet"
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested && waited.IsCancellationRequested)
        {
            throw new OnlineException(OnlineError.Unavailable,
                $"The session directory did not answer the join of session {id} within {options.JoinWait.TotalSeconds:0.###} s.", innerException: exception);
        }
    }
}
