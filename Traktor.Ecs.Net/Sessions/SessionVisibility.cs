namespace Traktor.Ecs.Net.Sessions;

/// <summary>Who can find a session.</summary>
public enum SessionVisibility
{
    /// <summary>Listed by <see cref="ISessions.ListSessionsAsync"/>.</summary>
    Public = 0,

    /// <summary>Not listed; joinable by whoever knows its id (friends, invites).</summary>
    Private = 1,
}
