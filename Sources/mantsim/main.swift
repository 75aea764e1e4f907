print("mantsim")
