# Measures what a burst of logins does to one backend node: one login alone, 16 at once (how many are served
# or refused busy), /v1/health/live latency during the burst, and the cost of a sign-in request counted in the
# shared database. Starts the built backend in Production on an ephemeral loopback port over a temp SQLite file.
# Run: /work/lead/bin/exclusive python3 tools/measure-login-flood.py [--Online:Setting=value ...]
import base64, os, subprocess, time, json, threading, urllib.request, sys, socket, statistics
dll=os.environ.get('BACKEND_DLL', 'Traktor.Ecs.Net.Backend/bin/Debug/net10.0/Traktor.Ecs.Net.Backend.dll')
s=socket.socket(); s.bind(('127.0.0.1',0)); port=s.getsockname()[1]; s.close()
base=f'http://127.0.0.1:{port}/'
db=os.path.join(os.environ.get('TMPDIR', '/tmp'), 'login-flood.db')
for f in [db, db+'-wal', db+'-shm']:
    if os.path.exists(f): os.remove(f)
extra=sys.argv[1:]
p=subprocess.Popen(['dotnet',dll,'--environment=Production',f'--urls={base}',f'--Online:ConnectionString={db}','--Online:TokenSigningKey='+base64.b64encode(os.urandom(32)).decode(),'--Online:ServerKeys:0=measure-server-key-0123456789abcdef','--Online:AuthRequestsPerMinutePerAddress=100000','--Logging:LogLevel:Default=Warning']+extra,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
def req(path, body=None):
    r=urllib.request.Request(base+path, data=None if body is None else json.dumps(body).encode(), headers={'Content-Type':'application/json'} if body is not None else {})
    t=time.perf_counter()
    try:
        with urllib.request.urlopen(r, timeout=120) as resp: code=resp.status
    except urllib.error.HTTPError as e: code=e.code
    return code, (time.perf_counter()-t)*1000
for _ in range(200):
    try:
        if req('v1/health/live')[0]==200: break
    except Exception: time.sleep(0.1)
print('register', req('v1/auth/register',{'username':'m1','password':'correct horse'}))
single=[req('v1/auth/login',{'username':'m1','password':'correct horse'})[1] for _ in range(5)]
print('single login ms (median of 5):', round(statistics.median(single),1))
print('idle live ms:', round(statistics.median([req('v1/health/live')[1] for _ in range(10)]),1), 'idle ready ms:', round(statistics.median([req('v1/health/ready')[1] for _ in range(10)]),1))
results=[]; health=[]
def login(): results.append(req('v1/auth/login',{'username':'m1','password':'correct horse'}))
stop=False
def probe():
    while not stop:
        health.append(req('v1/health/live')[1]); time.sleep(0.02)
pt=threading.Thread(target=probe); pt.start()
ts=[threading.Thread(target=login) for _ in range(16)]
t0=time.perf_counter()
[t.start() for t in ts]; [t.join() for t in ts]
wall=(time.perf_counter()-t0)*1000
time.sleep(0.3); stop=True; pt.join()
codes={}
for c,_ in results: codes[c]=codes.get(c,0)+1
print('16 parallel logins:', codes, 'wall ms', round(wall), 'health live during: max', round(max(health),1), 'median', round(statistics.median(health),1), 'n', len(health))
# shared limiter cost: refresh (401) requests sequential, vs live
ref=[req('v1/auth/refresh',{'refreshToken':'nope'})[1] for _ in range(50)]
print('refresh (shared-limit write + lookup) median ms', round(statistics.median(ref),2))
p.terminate(); p.wait()
