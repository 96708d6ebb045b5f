namespace Traktor.Ecs.Net.Online;

/// <summary>A registered player.</summary>
/// <param name="UserId">The player's permanent id (positive).</param>
/// <param name="Username">The name the player registered with, exactly as given.</param>
/// <param name="CreatedAt">When the account was created.</param>
public sealed record UserAccount(long UserId, string Username, DateTimeOffset CreatedAt);
