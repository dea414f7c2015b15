# A directory chain ROOT/d/d/.../d, LEVELS deep (far past PATH_MAX: made with mkdirat and
# openat, one level at a time), with a copy of FILE as p.json at each LEVEL:FILE asked for.
# Prints the seconds it took. Used by fault-depth-100000.
import os, sys, time

root, levels = sys.argv[1], int(sys.argv[2])
files = {}
for arg in sys.argv[3:]:
    level, path = arg.split(":", 1)
    with open(path, "rb") as f:
        files[int(level)] = f.read()
t = time.monotonic()
fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
for i in range(1, levels + 1):
    os.mkdir("d", dir_fd=fd)
    nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
    os.close(fd)
    fd = nfd
    if i in files:
        f = os.open("p.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
        os.write(f, files[i])
        os.close(f)
os.close(fd)
print("%.1f" % (time.monotonic() - t))
