-- Lua - HTTP GET
local http = context.net:createHttpClient()
local response = http:get("https://api.example.com/data")

if response.status == 200 then
    log:info("Response: " .. response.body)
end
