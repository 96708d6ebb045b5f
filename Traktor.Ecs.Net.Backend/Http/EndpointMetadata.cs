namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>OpenAPI descriptions shared by the routes: the JSON they accept and the problem answers they may give.</summary>
internal static class EndpointMetadata
{
    /// <summary>Declares a JSON request body.</summary>
    public static RouteHandlerBuilder AcceptsJson<TBody>(this RouteHandlerBuilder route) where TBody : notnull =>
        route.Accepts<TBody>("application/json");

    /// <summary>Declares the problem-details answers (by status) a route may give.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder route, params int[] statuses)
    {
        foreach (int status in statuses)
        {
            route.ProducesProblem(status, Problems.MediaType);
        }
        return route;
    }

    /// <summary>Declares the answers every authenticated route may give: 400 (bad values), 401, 429 and 503.</summary>
    public static RouteHandlerBuilder ProducesCommonProblems(this RouteHandlerBuilder route) =>
        route.ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable);

    /// <summary>Names a route in the OpenAPI document and says which service it belongs to.</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder route, string operationId, string tag, string summary) =>
        route.WithName(operationId).WithTags(tag).WithSummary(summary);
}
