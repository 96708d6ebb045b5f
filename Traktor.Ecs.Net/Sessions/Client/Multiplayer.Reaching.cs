using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>Reaching a session through the directory while its player host has not published its address yet.</summary>
public sealed partial class Multiplayer
{
    /// <summary>The directory's join, waited out while unavailable for up to <paramref name="wait"/> (<see cref="MultiplayerOptions.JoinWait"/> by default).</summary>
    private async Task<SessionJoinResult> JoinWhenReachableAsync(SessionId id, long user, CancellationToken cancellationToken, TimeSpan? wait = null)
    {
        var limit = wait ?? options.JoinWait;
        using var waited = new CancellationTokenSource(limit, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, waited.Token);
        try
        {
            return await sessions.JoinWhenReachableAsync(id, user, login?.Username ?? string.Empty, time, either.Token).ConfigureAwait(false);
        }
        catch (OnlineException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken); // the caller gave up while the directory said "not yet"
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested && waited.IsCancellationRequested)
        {
            throw new OnlineException(OnlineError.Unavailable,
                $"The session directory did not answer the join of session {id} within {limit.TotalSeconds:0.###} s.", innerException: exception);
        }
    }
}
