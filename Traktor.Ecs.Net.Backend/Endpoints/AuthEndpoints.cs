using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>Routes under <c>/v1/auth</c>.</summary>
internal static class AuthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/v1/auth");

        auth.MapPost("/register", async (HttpContext context, AuthenticationService service) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.CredentialsBody);
            var account = await service.RegisterAsync(body.Username, body.Password, context.RequestAborted);
            return Results.Json(account, OnlineJsonContext.Default.UserAccount, statusCode: StatusCodes.Status201Created);
        }).RequireRateLimiting(BackendRateLimiting.AuthPolicy);

        auth.MapPost("/login", async (HttpContext context, AuthenticationService service) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.CredentialsBody);
            string? address = context.Connection.RemoteIpAddress?.ToString();
            var session = await service.LoginAsync(body.Username, body.Password, address, context.RequestAborted);
            return Results.Json(session, OnlineJsonContext.Default.AuthSession);
        }).RequireRateLimiting(BackendRateLimiting.AuthPolicy);

        auth.MapPost("/refresh", async (HttpContext context, AuthenticationService service) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, OnlineJsonContext.Default.RefreshBody);
            var session = await service.RefreshAsync(body.RefreshToken, context.RequestAborted);
            return Results.Json(session, OnlineJsonContext.Default.AuthSession);
        }).RequireRateLimiting(BackendRateLimiting.AuthPolicy);

        auth.MapPost("/logout", async (HttpContext context, AuthenticationService service) =>
        {
            string token = CallerResolver.BearerToken(context) ?? throw OnlineException.Unauthorized("A bearer access token is required.");
            await service.LogoutAsync(token, context.RequestAborted);
            return Results.NoContent();
        });

        auth.MapGet("/session", async (HttpContext context, AuthenticationService service) =>
        {
            string token = CallerResolver.BearerToken(context) ?? throw OnlineException.Unauthorized("A bearer access token is required.");
            var claims = await service.ValidateAccessTokenAsync(token, context.RequestAborted);
            return Results.Json(claims, OnlineJsonContext.Default.AccessTokenClaims);
        });

        auth.MapPost("/users/{userId:long}/revoke", async (long userId, HttpContext context, CallerResolver callers, AuthenticationService service) =>
        {
            var caller = await callers.ResolveAsync(context);
            caller.RequireServer("Revoking a player's sessions");
            await service.RevokeUserSessionsAsync(userId, context.RequestAborted);
            return Results.NoContent();
        });
    }
}
